// The confirm window's only script (served from the service's origin; the
// page's CSP allows nothing else). It reads the result the server embedded
// as JSON and posts it to the window that opened this one, for exactly the
// origin the reader was shown, never '*'. It listens to no messages: nothing
// another window posts here can submit the form.
(function () {
  'use strict';
  var closeButton = document.getElementById('close');
  if (closeButton) closeButton.addEventListener('click', function () { window.close(); });
  var block = document.getElementById('flattr-result');
  if (!block) return;
  var data = JSON.parse(block.textContent);
  var opener = window.opener;
  if (!opener || opener.closed) return; // opened directly: the page itself shows the result
  opener.postMessage(data.message, data.origin);
  // A success closes the window; an error stays so the reader can read it.
  if (data.message.ok) setTimeout(function () { window.close(); }, 400);
})();
