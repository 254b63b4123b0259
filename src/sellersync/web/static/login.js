// Sign-in: POST /api/auth/login (the answer sets the session cookie), then go to the dashboard.
"use strict";
(() => {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  const button = document.getElementById("sign-in");

  function next() {
    const page = new URLSearchParams(location.search).get("next");
    if (page && /^\/claims(\/[0-9]{1,10})?$/.test(page)) return page;
    const id = new URLSearchParams(location.search).get("syncId");
    return id && /^[0-9a-f-]{36}$/i.test(id) ? `/?syncId=${encodeURIComponent(id)}` : "/";
  }

  function fail(text) {
    error.textContent = text;
    error.hidden = false;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    if (!email || !password) {
      fail("Enter your e-mail address and password.");
      return;
    }
    button.disabled = true;
    try {
      const res = await fetch("/api/auth/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ email, password }),
      });
      if (res.ok) {
        location.assign(next());
        return;
      }
      const body = await res.json().catch(() => ({}));
      if (res.status === 401) fail("Wrong e-mail address or password.");
      else if (res.status === 429) fail("Too many failed sign-ins: try again in 15 minutes.");
      else fail(body.message || `Sign-in failed (HTTP ${res.status}).`);
    } catch (err) {
      fail("The server could not be reached.");
    } finally {
      button.disabled = false;
    }
  });
})();
