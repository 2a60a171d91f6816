// A page served with a strict Content-Security-Policy (no inline scripts or styles, nothing else allowed):
// the script-tag bundle must render working, styled buttons there without a single violation.
import { expect } from '@open-wc/testing';

interface CspReport {
  type: 'csp-report';
  violations: { directive: string; blocked: string; sample: string }[];
  buttons: { state: string; count: number | null; text: string; background: string | null }[];
}

function loadFixture(src: string): Promise<{ report: CspReport; frame: HTMLIFrameElement; csp: string | null }> {
  return new Promise((resolve, reject) => {
    const frame = document.createElement('iframe');
    const timer = setTimeout(() => reject(new Error('no report from the CSP page')), 8000);
    window.addEventListener('message', function onMessage(event) {
      if (event.source !== frame.contentWindow || event.data?.type !== 'csp-report') return;
      window.removeEventListener('message', onMessage);
      clearTimeout(timer);
      fetch(src).then((r) => resolve({ report: event.data as CspReport, frame, csp: r.headers.get('content-security-policy') }));
    });
    frame.src = src;
    document.body.append(frame);
  });
}

describe('strict CSP', () => {
  it('renders the buttons, counts and old markup without CSP violations', async () => {
    const { report, frame, csp } = await loadFixture('/test/fixtures/csp.html');
    try {
      expect(csp).to.contain("script-src 'self'");
      expect(csp).to.contain("style-src 'self'");
      expect(csp).to.not.contain('unsafe-inline');
      expect(report.violations).to.deep.equal([]);
      expect(report.buttons.length).to.equal(3); // two elements + the upgraded old link
      expect(report.buttons.map((b) => b.state)).to.deep.equal(['ready', 'ready', 'ready']);
      expect(report.buttons[0]!.count).to.equal(3);
      expect(report.buttons.map((b) => b.text)).to.deep.equal(['Flattr', 'Flattr', 'Flattr']);
      // Styled: the adopted stylesheet applied (a transparent background would mean no styles).
      for (const b of report.buttons) expect(b.background).to.not.equal('rgba(0, 0, 0, 0)');
    } finally {
      frame.remove();
    }
  });

  it('would catch an inline style (the check itself works)', async () => {
    const { report, frame } = await loadFixture('/test/fixtures/csp-canary.html');
    try {
      expect(report.violations.map((v) => v.directive)).to.include('style-src-attr');
    } finally {
      frame.remove();
    }
  });
});
