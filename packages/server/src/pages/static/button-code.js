// The button-code generator on /creator, enhanced. Without this script the
// options form is a plain GET form (the page renders the snippets and the
// preview for what was picked). With it: the preview and the snippets follow
// every change at once (the snippets come from the server, from the same
// function that renders them into the page), and each snippet gets a Copy button.
(function () {
  'use strict';
  var form = document.getElementById('button-code-form');
  var preview = document.getElementById('button-preview');
  if (!form || !preview) return;

  document.querySelectorAll('button.copy').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var area = document.getElementById(button.getAttribute('data-copy'));
      var status = button.parentNode.querySelector('.copied');
      var done = function () { if (status) status.textContent = button.getAttribute('data-copied'); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(area.value).then(done, function () { area.select(); });
      } else {
        area.select();
        if (document.execCommand('copy')) done();
      }
    });
  });

  var timer = null;
  var latest = 0;
  function update() {
    var params = new URLSearchParams(new FormData(form));
    var request = ++latest;
    fetch(form.getAttribute('data-endpoint') + '?' + params.toString(), { headers: { accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) {
        if (!data || request !== latest) return;
        data.snippets.forEach(function (snippet) {
          var area = document.getElementById('snippet-' + snippet.id);
          if (area) area.value = snippet.code;
        });
        preview.setAttribute('data-theme', data.theme);
        preview.innerHTML = data.preview;
        document.querySelectorAll('.copied').forEach(function (el) { el.textContent = ''; });
      })
      .catch(function () { /* the Update button still works */ });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, 200);
  }
  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
})();
