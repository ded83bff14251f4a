// Passerelle's one page script: small improvements over pages that work
// without it. Loaded from this origin (the CSP allows no inline script).
'use strict';
(function () {
  // Print buttons (hidden until this script shows them).
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  });
})();
