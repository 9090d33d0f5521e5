import { render } from 'preact';
import { App } from './app';
import { SelfServeCancel } from './selfserve';
import { SurveyPage } from './survey';
import './style.css';

// A customer's signed cancel link (/cancel/TOKEN) and a survey invitation's link (/s/TOKEN) open
// their own pages, with no sign-in; every other path is the staff's app.
const cancel = location.pathname.match(/^\/cancel\/([A-Za-z0-9_]+)$/);
const survey = location.pathname.match(/^\/s\/([A-Za-z0-9]+)$/);
render(cancel ? <SelfServeCancel token={cancel[1]} /> : survey ? <SurveyPage token={survey[1]} /> : <App />,
       document.getElementById('app')!);
