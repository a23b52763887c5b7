// The playground page: renders what the Slack imitation holds (messages, Block Kit, files,
// ephemerals, modals, reactions) and turns what a person does into /api/* calls, which the
// Python side sends to the bot as the signed requests Slack would send. Server-Sent Events say
// when something changed; the page then reads the state again.
"use strict";

const state = { data: null, user: null, channel: null, thread: null, files: [], viewHash: null, viewId: null, submitted: null,
  viewErrors: {}, dismissed: new Set(JSON.parse(localStorage.getItem("dismissed") || "[]")) };
const $ = (id) => document.getElementById(id);

function renderList(el, items) {
  // Keyed by position and HTML: an unchanged message keeps its DOM node, so a playing video
  // keeps playing, an open menu stays open and images do not reload on every update.
  const old = [...el.children];
  items.forEach((html, i) => {
    const node = old[i];
    if (node && node._html === html) return;
    const tmp = document.createElement("div");
    tmp.innerHTML = html;
    const fresh = tmp.firstElementChild || document.createElement("div");
    fresh._html = html;
    if (node) el.replaceChild(fresh, node); else el.appendChild(fresh);
  });
  old.slice(items.length).forEach((n) => n.remove());
  if (el._stick !== false) el.scrollTop = el.scrollHeight;
}

// A list read at its bottom stays at its bottom as messages arrive and images load (they grow
// it after rendering); scrolled up, it stays where the person left it.
for (const id of ["messages", "thread-messages"]) {
  const el = $(id);
  el.addEventListener("scroll", () => { el._stick = el.scrollHeight - el.scrollTop - el.clientHeight < 40; });
  el.addEventListener("load", () => { if (el._stick !== false) el.scrollTop = el.scrollHeight; }, true);
}

function render() {
  const d = state.data;
  $("family").textContent = `model family: ${d.family}`;
  const banner = $("banner");
  banner.hidden = !d.banner;
  banner.textContent = d.banner || "";
  const sel = $("acting-as");
  if (sel.options.length !== d.people.length) {
    sel.innerHTML = d.people.map((p) => `<option value="${esc(p.id)}">${esc(p.label)}</option>`).join("");
  }
  sel.value = state.user;
  $("channels").innerHTML = d.channels.map((c) =>
    `<li><a href="#${esc(c.name)}" data-channel="${esc(c.id)}" class="${c.id === d.channel ? "active" : ""}"># ${esc(c.name)}</a></li>`).join("");
  const name = (d.channels.find((c) => c.id === d.channel) || {}).name || "";
  $("channel-title").textContent = `# ${name}`;
  const visible = d.ephemerals.filter((e) => !state.dismissed.has(e.ts));
  const byTs = (a, b) => (parseFloat(a.ts) - parseFloat(b.ts));
  const top = d.messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts)
    .map((m) => ({ ts: m.ts, html: messageHtml(m, false) }))
    .concat(visible.filter((e) => !e.thread_ts).map((e) => ({ ts: e.ts, html: ephemeralHtml(e) })));
  renderList($("messages"), top.sort(byTs).map((x) => x.html));
  const panel = $("thread");
  if (state.thread) {
    const root = d.messages.find((m) => m.ts === state.thread);
    panel.hidden = !root;
    if (root) {
      const items = d.messages.filter((m) => m.thread_ts === state.thread && m.ts !== state.thread)
        .map((m) => ({ ts: m.ts, html: messageHtml(m, true) }))
        .concat(visible.filter((e) => e.thread_ts === state.thread).map((e) => ({ ts: e.ts, html: ephemeralHtml(e) })));
      renderList($("thread-messages"), [messageHtml(root, true), '<hr class="thread-rule">'].concat(items.sort(byTs).map((x) => x.html)));
    }
  } else {
    panel.hidden = true;
  }
  renderModal(d.view);
}

function renderModal(view) {
  const back = $("modal-back");
  if (!view) { back.hidden = true; state.viewHash = null; state.viewId = null; state.submitted = null; return; }
  if (state.viewHash === view.hash + JSON.stringify(state.viewErrors)) return; // keep typed values
  // The same modal redrawn (new errors, or the bot's views.update adding the grid preview):
  // what the person typed and ticked stays, as Slack keeps inputs whose block and action ids
  // are unchanged.
  // After a submit answered with errors, what was submitted (set in the same render, so a
  // click made as soon as the errors show is never undone by a late restore).
  const keep = state.submitted || (state.viewHash && state.viewId === view.id ? collectValues() : null);
  state.submitted = null;
  state.viewHash = view.hash + JSON.stringify(state.viewErrors);
  state.viewId = view.id;
  const body = view.blocks.map((b) => (b.type === "input" ? inputHtml(b, state.viewErrors[b.block_id])
    : blocksHtml([b], ` data-view="${esc(view.id)}"`))).join("");
  const general = state.viewErrors[""] ? `<div class="input-block has-error"><div class="error" role="alert">${esc(state.viewErrors[""])}</div></div>` : "";
  $("modal").innerHTML = `<div class="modal-head">${textObj(view.title)}</div><div class="modal-body">${general}${body}</div>`
    + `<div class="modal-foot"><button type="button" class="bk" id="modal-close">${view.close ? textObj(view.close) : "Cancel"}</button>`
    + (view.submit ? `<button type="submit" class="bk primary" id="modal-submit">${textObj(view.submit)}</button>` : "") + "</div>";
  $("modal").dataset.view = view.id;
  back.hidden = false;
  if (keep) restoreValues(keep);
}

function optionOf(view, blockId, value) {
  const b = view.blocks.find((x) => x.block_id === blockId);
  return ((b && b.element && b.element.options) || []).find((o) => o.value === value) || null;
}

function collectValues() {
  const view = state.data.view;
  const values = {};
  document.querySelectorAll("#modal [data-type]").forEach((el) => {
    const bid = el.dataset.block, aid = el.dataset.action, type = el.dataset.type;
    values[bid] = values[bid] || {};
    if (type === "plain_text_input" || type === "number_input") {
      values[bid][aid] = { type, value: el.value === "" ? null : el.value };
    } else if (type === "checkboxes") {
      values[bid][aid] = { type, selected_options: [...el.querySelectorAll("input:checked")].map((i) => optionOf(view, bid, i.value)) };
    } else if (type === "radio_buttons") {
      const on = el.querySelector("input:checked");
      values[bid][aid] = { type, selected_option: on ? optionOf(view, bid, on.value) : null };
    } else if (type === "static_select") {
      values[bid][aid] = { type, selected_option: el.value ? optionOf(view, bid, el.value) : null };
    }
  });
  return values;
}

function restoreValues(values) {
  document.querySelectorAll("#modal [data-type]").forEach((el) => {
    const v = (values[el.dataset.block] || {})[el.dataset.action];
    if (!v) return;
    if ("value" in v && v.value !== null) el.value = v.value;
    if (v.selected_options) {
      const on = new Set(v.selected_options.map((o) => o && o.value));
      el.querySelectorAll("input").forEach((i) => { i.checked = on.has(i.value); });
    }
    if ("selected_option" in v) {
      if (el.tagName === "SELECT") el.value = v.selected_option ? v.selected_option.value : "";
      else el.querySelectorAll("input").forEach((i) => { i.checked = !!v.selected_option && i.value === v.selected_option.value; });
    }
  });
}

// ------------------------------------------------------------------ talking to the server

function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 6000);
}

async function api(path, body) {
  const resp = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: state.user, channel: state.channel, ...body }) });
  const answer = await resp.json().catch(() => ({}));
  if (!resp.ok) { toast(answer.error || `HTTP ${resp.status}`); throw new Error(answer.error); }
  refresh();
  return answer;
}

let refreshing = null, again = false;
async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    do {
      again = false;
      const q = new URLSearchParams({ user: state.user || "", channel: state.channel || "" });
      const resp = await fetch(`/api/state?${q}`);
      const data = await resp.json();
      // A switch of person or channel while this read was in flight: read again for it.
      const known = data.people.some((x) => x.id === state.user)
        && data.channels.some((c) => c.id === state.channel);
      if (known && (data.user !== state.user || data.channel !== state.channel)) {
        again = true;
        continue;
      }
      state.data = data;
      state.user = data.user;
      state.channel = data.channel;
      render();
    } while (again);
  })();
  try { await refreshing; } finally { refreshing = null; }
}

function listen() {
  const events = new EventSource("/api/events");
  events.addEventListener("change", () => refresh());
  events.onerror = () => { /* EventSource reconnects by itself */ };
}

// ------------------------------------------------------------------ composer + autocomplete

let suggestions = [], picked = 0;
function updateAutocomplete() {
  const text = $("composer").value;
  const list = $("autocomplete");
  const m = text.match(/^(\/\S*)(\s.*)?$/s);
  if (!m || !state.data) { list.hidden = true; suggestions = []; return; }
  // Word by word: typed words must equal the usage's (a placeholder such as NAME, <prompt> or
  // [flags] takes any word), the word being typed must start the usage's word there.
  const typed = text.toLowerCase().split(/\s+/);
  const placeholder = (w) => /[<[\]|…]/.test(w) || /^[A-Z]/.test(w) || /^--/.test(w) && false;
  suggestions = state.data.commands.filter((c) => {
    const words = c.usage.split(/\s+/);
    return typed.every((t, i) => {
      const w = words[i];
      if (w === undefined) return words.some((x) => /[<[\]…]/.test(x));
      if (placeholder(w)) return true;
      return i === typed.length - 1 ? w.toLowerCase().startsWith(t) : w.toLowerCase() === t;
    });
  }).slice(0, 12);
  if (!suggestions.length) { list.hidden = true; return; }
  picked = Math.min(picked, suggestions.length - 1);
  list.innerHTML = suggestions.map((c, i) => `<li role="option" data-i="${i}" class="${i === picked ? "sel" : ""}"><span class="usage">${esc(c.usage)}</span><span class="help">${esc(c.help)}</span></li>`).join("");
  list.hidden = false;
}

function complete(i) {
  const usage = suggestions[i].usage;
  const cmd = usage.split(" ")[0];
  const text = $("composer").value;
  if (!text.includes(" ")) {
    const words = usage.split(" ");
    const fixed = words.slice(1).filter((w) => !/[<[\]|…]/.test(w) && !/^[A-Z]/.test(w));
    $("composer").value = [cmd, ...(cmd === "/dailies" ? fixed.slice(0, 1) : [])].join(" ") + " ";
  }
  $("autocomplete").hidden = true;
  $("composer").focus();
}

async function send(textarea, thread) {
  const text = textarea.value;
  const files = thread ? state.files : [];
  if (!text.trim() && !files.length) return;
  textarea.value = "";
  $("autocomplete").hidden = true;
  if (thread) { state.files = []; $("attached").textContent = ""; $("thread-file").value = ""; }
  try {
    await api("/api/post", { text, thread_ts: thread, files });
  } catch (e) {
    textarea.value = text;
  }
}

function fileToPayload(file) {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ name: file.name, data: String(reader.result).split(",")[1] });
    reader.readAsDataURL(file);
  });
}

// ------------------------------------------------------------------ wiring

function clickContext(el) {
  const holder = el.closest("[data-ts],[data-ephemeral]");
  return { ts: el.dataset.ts || (holder && holder.dataset.ts) || "", ephemeral_ts: el.dataset.ephemeral || null };
}

function openThread(ts) {
  state.thread = ts;
  $("thread-messages")._stick = true;
  render();
}

document.addEventListener("click", (ev) => {
  const t = ev.target.closest("button, a, li[data-i], select, input, video");
  if (!t) {
    $("picker").hidden = true;
    // Clicking a channel message (not one of its controls) opens its thread, as in Slack.
    const msg = ev.target.closest("#messages .msg:not(.ephemeral)");
    if (msg) openThread(msg.dataset.msg);
    return;
  }
  if (t.matches("li[data-i]")) { complete(Number(t.dataset.i)); return; }
  if (t.dataset.channel) {
    ev.preventDefault();
    state.channel = t.dataset.channel; state.thread = null; refresh(); return;
  }
  if (t.dataset.thread) { openThread(t.dataset.thread); return; }
  if (t.id === "thread-close") { state.thread = null; render(); return; }
  if (t.dataset.dismiss) {
    state.dismissed.add(t.dataset.dismiss);
    localStorage.setItem("dismissed", JSON.stringify([...state.dismissed]));
    render(); return;
  }
  if (t.dataset.react) { api("/api/react", { ts: t.dataset.ts, name: t.dataset.react }).catch(() => {}); return; }
  if (t.dataset.picker) {
    const p = $("picker");
    p.innerHTML = state.data.reaction_picker.map((n) => `<button type="button" data-pick="${esc(n)}" data-ts="${esc(t.dataset.picker)}" title=":${esc(n)}:" aria-label=":${esc(n)}:">${emoji(n)}</button>`).join("");
    const r = t.getBoundingClientRect();
    p.style.left = `${Math.min(r.left, window.innerWidth - 220)}px`;
    p.style.top = `${Math.max(8, r.top - 90)}px`;
    p.hidden = false; return;
  }
  if (t.dataset.pick) {
    $("picker").hidden = true;
    api("/api/react", { ts: t.dataset.ts, name: t.dataset.pick }).catch(() => {}); return;
  }
  if (t.id === "modal-close") {
    const view = $("modal").dataset.view;
    state.viewErrors = {};
    api("/api/view/close", { view_id: view }).catch(() => {}); return;
  }
  if (t.matches("button.bk") && t.dataset.action && !t.closest("#modal")) {
    const ctx = clickContext(t);
    t.disabled = true;
    api("/api/click", { ...ctx, action_id: t.dataset.action, value: t.dataset.value || null })
      .catch(() => {}).finally(() => { t.disabled = false; });
  }
});

document.addEventListener("change", (ev) => {
  const t = ev.target;
  if (t.matches("select.bk") && t.dataset.action && !t.closest("#modal") && t.value) {
    const ctx = clickContext(t);
    api("/api/click", { ...ctx, action_id: t.dataset.action, value: t.value }).catch(() => {});
  }
});

$("modal").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const view = $("modal").dataset.view;
  const values = collectValues();
  const answer = await api("/api/view/submit", { view_id: view, values }).catch(() => null);
  if (!answer) return;
  state.viewErrors = answer.errors || {};
  state.viewHash = null;
  state.submitted = Object.keys(state.viewErrors).length ? values : null;
  await refresh();
});

$("acting-as").addEventListener("change", (ev) => {
  state.user = ev.target.value;
  localStorage.setItem("user", state.user);
  state.viewHash = null; state.viewErrors = {};
  refresh();
});

$("new-channel").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const name = $("new-channel-name").value;
  const answer = await api("/api/channels", { name }).catch(() => null);
  if (answer) { $("new-channel-name").value = ""; state.channel = answer.channel; state.thread = null; refresh(); }
});

$("composer").addEventListener("input", updateAutocomplete);
$("composer").addEventListener("keydown", (ev) => {
  const list = $("autocomplete");
  if (!list.hidden && suggestions.length) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      picked = (picked + (ev.key === "ArrowDown" ? 1 : suggestions.length - 1)) % suggestions.length;
      updateAutocomplete(); return;
    }
    if (ev.key === "Tab") { ev.preventDefault(); complete(picked); return; }
    if (ev.key === "Escape") { list.hidden = true; return; }
  }
  if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send($("composer"), null); }
});
$("thread-composer").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send($("thread-composer"), state.thread); }
});
$("thread-file").addEventListener("change", async (ev) => {
  state.files = await Promise.all([...ev.target.files].map(fileToPayload));
  $("attached").textContent = state.files.length ? `📎 ${state.files.map((f) => f.name).join(", ")}` : "";
});

state.user = localStorage.getItem("user") || null;
state.channel = (location.hash.slice(1) && null) || null;
refresh().then(() => {
  const byName = state.data.channels.find((c) => `#${c.name}` === decodeURIComponent(location.hash));
  if (byName) { state.channel = byName.id; refresh(); }
  listen();
});
