import { render } from 'preact';
import { App } from './app';
import { ContestAuditPage } from './contest';
import { SelfServeCancel } from './selfserve';
import { SurveyPage } from './survey';
import { UnsubscribePage } from './unsubscribe';
import './style.css';

// A customer's signed cancel link (/cancel/TOKEN), a survey invitation's link (/s/TOKEN), a
// message's unsubscribe link (/u/TOKEN) and a contest's public record (/c/KEY) open their own
// pages, with no sign-in; every other path is the staff's app.
const cancel = location.pathname.match(/^\/cancel\/([A-Za-z0-9_]+)$/);
const survey = location.pathname.match(/^\/s\/([A-Za-z0-9]+)$/);
const unsubscribe = location.pathname.match(/^\/u\/([0-9]+_[0-9a-f]+)$/);
const contest = location.pathname.match(/^\/c\/([A-Za-z0-9_-]+)$/);
render(cancel ? <SelfServeCancel token={cancel[1]} /> : survey ? <SurveyPage token={survey[1]} />
         : unsubscribe ? <UnsubscribePage token={unsubscribe[1]} />
         : contest ? <ContestAuditPage contestKey={contest[1]} /> : <App />,
       document.getElementById('app')!);
