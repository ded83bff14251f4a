// Passerelle's one page script: small improvements over pages that work
// without it. Loaded from this origin (the CSP allows no inline script).
'use strict';
(function () {
  // Print buttons (hidden until this script shows them).
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  });

  // The form_post response (OAuth 2.0 Form Post Response Mode) goes on
  // by itself; without script the person presses Continue.
  const auto = document.querySelector('form[data-autosubmit]');
  if (auto) auto.submit();
})();
