// Passerelle: the browser side of WebAuthn (security keys and passkeys).
//
// Served as a static file, so pages need no inline script. It drives a
// form marked data-webauthn="register" or data-webauthn="login" whose
// hidden input name="options" holds the server's options JSON. On the
// submit button's click it calls navigator.credentials.create or get,
// writes the result as JSON (binary fields base64url) into the hidden
// input name="response" and submits the form. On failure it shows the
// message of the element [data-webauthn-error] for the page's language
// (data-msg-en / data-msg-fr, or data-msg-<lang>-<errorname> when the page
// has one for that error) and moves focus to it.
(function () {
  "use strict";

  function toBuffer(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    var bin = atob(b64 + "===".slice((b64.length + 3) % 4));
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      bytes[i] = bin.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeIDs(list) {
    return (list || []).map(function (c) {
      return Object.assign({}, c, { id: toBuffer(c.id) });
    });
  }

  // publicKeyOptions turns the server's JSON into what the browser API
  // takes: the same object with ArrayBuffers where bytes are expected.
  function publicKeyOptions(json, register) {
    var parsed = JSON.parse(json);
    var pk = Object.assign({}, parsed.publicKey || parsed);
    pk.challenge = toBuffer(pk.challenge);
    if (register) {
      pk.user = Object.assign({}, pk.user, { id: toBuffer(pk.user.id) });
      pk.excludeCredentials = decodeIDs(pk.excludeCredentials);
    } else {
      pk.allowCredentials = decodeIDs(pk.allowCredentials);
    }
    return pk;
  }

  function encodeCredential(cred) {
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: toBase64url(cred.rawId),
      type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(r.clientDataJSON) }
    };
    if (cred.authenticatorAttachment) {
      out.authenticatorAttachment = cred.authenticatorAttachment;
    }
    if (r.attestationObject) {
      out.response.attestationObject = toBase64url(r.attestationObject);
      if (r.getTransports) {
        out.response.transports = r.getTransports();
      }
    } else {
      out.response.authenticatorData = toBase64url(r.authenticatorData);
      out.response.signature = toBase64url(r.signature);
      if (r.userHandle) {
        out.response.userHandle = toBase64url(r.userHandle);
      }
    }
    return out;
  }

  function showError(form, name) {
    var el = form.querySelector("[data-webauthn-error]") ||
      document.querySelector("[data-webauthn-error]");
    if (!el) {
      return;
    }
    var lang = (document.documentElement.lang || "en").slice(0, 2).toLowerCase() === "fr" ? "fr" : "en";
    el.textContent = el.getAttribute("data-msg-" + lang + "-" + name.toLowerCase()) ||
      el.getAttribute("data-msg-" + lang) || "";
    el.hidden = false;
    if (!el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "-1");
    }
    el.focus();
  }

  function attach(form) {
    var register = form.getAttribute("data-webauthn") === "register";
    var button = form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
    var busy = false;
    if (!button) {
      return;
    }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      if (!window.PublicKeyCredential || !navigator.credentials) {
        showError(form, "NotSupportedError");
        return;
      }
      var ceremony;
      try {
        // Called synchronously, within the click: some browsers only
        // allow a ceremony during the user's gesture.
        var pk = publicKeyOptions(form.querySelector("input[name=options]").value, register);
        ceremony = register ?
          navigator.credentials.create({ publicKey: pk }) :
          navigator.credentials.get({ publicKey: pk });
      } catch (err) {
        ceremony = Promise.reject(err);
      }
      busy = true;
      ceremony.then(function (cred) {
        form.querySelector("input[name=response]").value = JSON.stringify(encodeCredential(cred));
        HTMLFormElement.prototype.submit.call(form);
      }).catch(function (err) {
        busy = false;
        showError(form, (err && err.name) || "Error");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-webauthn]");
    for (var i = 0; i < forms.length; i++) {
      attach(forms[i]);
    }
  });
})();
