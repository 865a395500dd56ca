// CustomerDesk: progressive enhancement only. Every page works without this file; with it,
// the new-ticket form suggests articles as the subject is typed, the AI buttons fill the
// editor in place, and the ticket page answers to keyboard shortcuts.
"use strict";

function csrfOf(form) {
  const field = form.querySelector('input[name="_csrf"]');
  return field ? field.value : "";
}

// Knowledge-base suggestions under a subject field (deflection).
function setupSuggestions(input) {
  const box = document.getElementById("suggestions");
  if (!box) return;
  const list = box.querySelector("ul");
  const title = document.getElementById("suggestions-title");
  let timer = null;
  let asked = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (q === asked) return;
      asked = q;
      if (q.length < 3) { list.replaceChildren(); title.hidden = true; return; }
      try {
        const res = await fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), {
          headers: { Accept: "application/json" }, credentials: "same-origin",
        });
        if (!res.ok || q !== asked) return;
        const data = await res.json();
        list.replaceChildren(...data.items.map((item) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = item.href;
          a.target = "_blank";
          a.textContent = item.title;
          const small = document.createElement("small");
          small.textContent = item.summary;
          li.append(a, document.createElement("br"), small);
          return li;
        }));
        title.hidden = data.items.length === 0;
      } catch (_) { /* suggestions are a help; the form still works */ }
    }, 250);
  });
}

// AI summary and draft buttons: fetch JSON and put the result in the page.
function setupAiForm(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const res = await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRF-Token": csrfOf(form) },
        credentials: "same-origin",
      });
      if (!res.ok) throw new Error("status " + res.status);
      const data = await res.json();
      if (form.dataset.ai === "draft") insertDraft(data); else showSummary(data);
    } catch (_) {
      form.submit(); // fall back to the page that shows the result
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
}

function insertDraft(data) {
  const editor = document.getElementById("reply-body");
  const internal = document.getElementById("internal");
  if (internal) internal.checked = false;
  editor.value = editor.value.trim() ? editor.value.trimEnd() + "\n\n" + data.draft : data.draft;
  const box = document.getElementById("draft-sources-js");
  if (box && data.sources.length) {
    const p = document.createElement("p");
    p.textContent = box.dataset.label || "";
    const ul = document.createElement("ul");
    for (const s of data.sources) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = s.href;
      a.textContent = s.title;
      li.append(a);
      ul.append(li);
    }
    box.replaceChildren(p, ul);
    box.hidden = false;
  }
  editor.focus();
  editor.setSelectionRange(editor.value.length, editor.value.length);
}

function showSummary(data) {
  const box = document.getElementById("ai-summary");
  const p = document.createElement("p");
  p.textContent = data.summary;
  box.replaceChildren(p);
}

// Shortcuts on the agent's ticket page: j next, r reply, n note, a assign to me, s resolve, ? help.
// They can be switched off (WCAG 2.1.4); the choice is remembered in this browser.
function setupShortcuts(page) {
  const toggle = document.getElementById("shortcuts-on");
  if (toggle) {
    toggle.checked = localStorage.getItem("cd-shortcuts") !== "off";
    toggle.addEventListener("change", () => localStorage.setItem("cd-shortcuts", toggle.checked ? "on" : "off"));
  }
  document.addEventListener("keydown", (event) => {
    if (toggle && !toggle.checked) return;
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    const editor = document.getElementById("reply-body");
    const internal = document.getElementById("internal");
    const submit = (id) => { const f = document.getElementById(id); if (f) f.requestSubmit(); };
    switch (event.key) {
      case "j": window.location.href = page.dataset.next; break;
      case "r": if (internal) internal.checked = false; editor.focus(); break;
      case "n": if (internal) internal.checked = true; editor.focus(); break;
      case "a": submit("assign-me-form"); break;
      case "s": submit("resolve-form"); break;
      case "?": { const h = document.getElementById("shortcuts"); if (h) { h.scrollIntoView(); toggle.focus(); } break; }
      default: return;
    }
    event.preventDefault();
  });
}

// Ctrl+Enter sends the form a textarea belongs to.
function setupSendShortcut(textarea) {
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && textarea.form) {
      event.preventDefault();
      textarea.form.requestSubmit();
    }
  });
}

// Forms that close something ask first.
function setupConfirm(form) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-confirm]").forEach(setupConfirm);
  document.querySelectorAll("input[data-suggest]").forEach(setupSuggestions);
  document.querySelectorAll("form[data-ai]").forEach(setupAiForm);
  document.querySelectorAll("textarea").forEach(setupSendShortcut);
  const page = document.querySelector(".ticket-page[data-next]");
  if (page) setupShortcuts(page);
});
