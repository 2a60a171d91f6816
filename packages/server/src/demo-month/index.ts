export { demoMonthModule } from './module.js';
export { DemoClock, loadDemoClock, DEMO_CLOCK, type DemoClockDoc } from './demo-clock.js';
export { endMonthNow, type EndedMonth } from './end-month.js';
export { demoEndMonthForm } from './end-month-form.js';
