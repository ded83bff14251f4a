// Passerelle's one page script: small improvements over pages that work
// without it. Loaded from this origin (the CSP allows no inline script).
'use strict';
(function () {
  // Print buttons (hidden until this script shows them).
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  });

  // One answer per press (a double click, Enter pressed twice): a form on
  // its way is not sent again, so the second answer cannot overtake the
  // first (a sign-in finished twice sent the service two answers, of which
  // it kept the first state and was sent the other's code, and so signed
  // nobody in). Forms a script handles itself (defaultPrevented) are left
  // alone; after five seconds, or coming back to the page (Back), the form
  // can be sent again.
  document.addEventListener('submit', function (e) {
    const form = e.target;
    if (e.defaultPrevented) return;
    if (form.dataset.sending) {
      e.preventDefault();
      return;
    }
    form.dataset.sending = 'yes';
    setTimeout(function () { delete form.dataset.sending; }, 5000);
  });
  window.addEventListener('pageshow', function () {
    document.querySelectorAll('form[data-sending]').forEach(function (f) { delete f.dataset.sending; });
  });

  // The form_post response (OAuth 2.0 Form Post Response Mode) goes on
  // by itself; without script the person presses Continue.
  const auto = document.querySelector('form[data-autosubmit]');
  if (auto) auto.submit();

  // The time limit (WCAG 2.2.1): the time left kept current, a warning two
  // minutes before the end, and more time without leaving the page.
  const limit = document.querySelector('[data-time-limit]');
  if (limit) timeLimit(limit);

  function timeLimit(el) {
    const d = el.dataset;
    const leftText = el.querySelector('[data-left-text]');
    const warning = el.querySelector('[data-warning]');
    const warningText = el.querySelector('[data-warning-text]');
    const button = el.querySelector('[data-extend-button]');
    const sentence = leftText.textContent;
    const shown = words(Number(d.left));
    let end = Date.now() + Number(d.left) * 1000;
    button.hidden = false;

    function words(seconds) {
      const m = Math.ceil(seconds / 60);
      if (seconds < 60) return d.underMinute;
      if (m === 1) return d.minute;
      return d.minutes.replace('%d', String(m));
    }
    function tick() {
      const left = (end - Date.now()) / 1000;
      if (left <= 0) {
        warningText.textContent = d.expired;
        button.hidden = true;
        warning.hidden = false;
        return;
      }
      leftText.textContent = sentence.replace(shown, words(left));
      if (left <= 120) warning.hidden = false;
      setTimeout(tick, Math.min(15000, left * 1000));
    }
    button.addEventListener('click', async function () {
      button.disabled = true;
      try {
        const res = await fetch(d.extend, {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrf: d.csrf }),
        });
        const body = await res.json();
        if (res.ok && body.expires_in > 0) {
          end = Date.now() + body.expires_in * 1000;
          warningText.textContent = d.extended;
          setTimeout(function () { if ((end - Date.now()) / 1000 > 120) warning.hidden = true; }, 10000);
        } else {
          end = Date.now();
        }
      } finally {
        button.disabled = false;
        tick();
      }
    });
    tick();
  }
})();
