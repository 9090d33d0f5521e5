import { render } from 'preact';
import { App } from './app';
import { SelfServeCancel } from './selfserve';
import './style.css';

// A customer's signed cancel link (/cancel/TOKEN) opens their own page, with no sign-in; every
// other path is the staff's app.
const cancel = location.pathname.match(/^\/cancel\/([A-Za-z0-9_]+)$/);
render(cancel ? <SelfServeCancel token={cancel[1]} /> : <App />, document.getElementById('app')!);
