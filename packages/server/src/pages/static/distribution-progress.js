// Live progress of a distribution run on /admin/distributions/<period>.
// Without this script the page reloads itself every few seconds
// (<noscript><meta http-equiv="refresh">); with it, the page asks the status
// endpoint once a second and updates the figures in place (texts formatted
// by the server, in the page's language), and reloads once the run has
// finished, to show the ledger check after it.
(function () {
  'use strict';
  var section = document.getElementById('run');
  if (!section || section.getAttribute('data-status') !== 'running') return;
  var url = section.getAttribute('data-status-url');
  var stages = Array.prototype.slice.call(section.querySelectorAll('ol.stages li'));

  function show(run) {
    Object.keys(run.fields).forEach(function (name) {
      section.querySelectorAll('[data-run-field="' + name + '"]').forEach(function (el) { el.textContent = run.fields[name]; });
    });
    var reached = false;
    stages.forEach(function (li) {
      var current = li.getAttribute('data-stage') === run.stage;
      if (current) reached = true;
      li.classList.toggle('done', !reached || run.stage === 'done');
      if (current && run.stage !== 'done') li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    });
  }

  function poll() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (run) {
        if (!run) return setTimeout(poll, 3000);
        show(run);
        if (run.status !== 'running') return location.reload();
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
