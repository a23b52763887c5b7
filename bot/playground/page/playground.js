// The playground page: renders what the Slack imitation holds (messages, Block Kit, files,
// ephemerals, modals, reactions) and turns what a person does into /api/* calls, which the
// Python side sends to the bot as the signed requests Slack would send. Server-Sent Events say
// when something changed; the page then reads the state again.
"use strict";

const EMOJI = {
  "+1": "👍", thumbsup: "👍", one: "1️⃣", two: "2️⃣", three: "3️⃣", four: "4️⃣", five: "5️⃣",
  six: "6️⃣", seven: "7️⃣", eight: "8️⃣", trophy: "🏆", x: "❌", warning: "⚠️",
  white_check_mark: "✅", heavy_check_mark: "✔️", hourglass: "⌛", hourglass_flowing_sand: "⏳",
  lock: "🔒", unlock: "🔓", art: "🎨", sparkles: "✨", film_frames: "🎞️", movie_camera: "🎥",
  clapper: "🎬", star: "⭐", tada: "🎉", frame_with_picture: "🖼️", arrows_counterclockwise: "🔄",
  recycle: "♻️", bulb: "💡", mag: "🔍", eyes: "👀", heart: "❤️", fire: "🔥", rocket: "🚀",
  gear: "⚙️", no_entry: "⛔", no_entry_sign: "🚫", information_source: "ℹ️", stopwatch: "⏱️",
  arrow_right: "➡️", arrow_up: "⬆️", paintbrush: "🖌️", pushpin: "📌", label: "🏷️",
  package: "📦", triangular_ruler: "📐", straight_ruler: "📏", droplet: "💧", film_projector: "📽️",
  crown: "👑", medal: "🏅", sparkle: "❇️", checkered_flag: "🏁", hammer_and_wrench: "🛠️",
  scissors: "✂️", link: "🔗", memo: "📝", construction: "🚧", zap: "⚡", pencil2: "✏️",
  large_green_circle: "🟢", red_circle: "🔴", large_yellow_circle: "🟡", no_good: "🙅",
};

const state = { data: null, user: null, channel: null, thread: null, files: [], viewHash: null,
  viewErrors: {}, dismissed: new Set(JSON.parse(localStorage.getItem("dismissed") || "[]")) };
const $ = (id) => document.getElementById(id);

function esc(s) {
  return String(s ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
function emoji(name) { return EMOJI[name] || `:${name}:`; }
function personName(id) {
  if (!state.data) return id;
  if (id === state.data.bot.id) return state.data.bot.name;
  const p = state.data.people.find((x) => x.id === id);
  return p ? p.name : id;
}

// ------------------------------------------------------------------ mrkdwn

function inline(text) {
  // `text` is Slack text: &, <, > already arrive as entities, so it is safe as HTML once any
  // stray quote is escaped; then the formatting marks.
  // A bot's own text may carry a raw ">" (a quote) or "<"; entities already there stay.
  let s = text.replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  s = s.replace(/```([\s\S]*?)```/g, (_, c) => `<pre><code>${c}</code></pre>`);
  s = s.replace(/`([^`\n]+)`/g, (_, c) => `<code>${c}</code>`);
  s = s.replace(/(^|[\s(>])\*([^*\n]+)\*(?=$|[\s).,!?:;<])/g, "$1<b>$2</b>");
  s = s.replace(/(^|[\s(>])_([^_\n]+)_(?=$|[\s).,!?:;<])/g, "$1<i>$2</i>");
  s = s.replace(/(^|[\s(>])~([^~\n]+)~(?=$|[\s).,!?:;<])/g, "$1<s>$2</s>");
  s = s.replace(/:([a-z0-9_+\-']+):/g, (m, n) => (EMOJI[n] ? EMOJI[n] : m));
  return s;
}

function token(t) {
  const [target, label] = t.split("|", 2);
  if (target.startsWith("@")) return `<span class="mention">@${esc(personName(target.slice(1)))}</span>`;
  if (target.startsWith("#")) {
    const ch = state.data.channels.find((c) => c.id === target.slice(1));
    return `<span class="mention">#${esc(label || (ch ? ch.name : target.slice(1)))}</span>`;
  }
  if (target.startsWith("!")) return `<span class="mention">@${esc(label || target.slice(1))}</span>`;
  const href = target.replace(/&amp;/g, "&");
  if (/^(https?:|mailto:)/.test(href)) {
    return `<a href="${esc(href)}" target="_blank" rel="noopener">${label || esc(href)}</a>`;
  }
  return esc(t);
}

function mrkdwn(text) {
  const parts = String(text ?? "").split(/<([^<>]+)>/);
  let html = "";
  parts.forEach((part, i) => { html += i % 2 ? token(part) : inline(part); });
  // Quotes: lines starting with "&gt;" (Slack's escaped ">").
  const lines = html.split("\n");
  const out = [];
  let quote = [];
  for (const line of lines) {
    if (line.startsWith("&gt;")) { quote.push(line.slice(4)); continue; }
    if (quote.length) { out.push(`<blockquote>${quote.join("<br>")}</blockquote>`); quote = []; }
    out.push(line + "<br>");
  }
  if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
  return `<span class="mrkdwn">${out.join("").replace(/<br>$/, "")}</span>`;
}

function textObj(t) {
  if (!t) return "";
  return t.type === "plain_text" ? esc(t.text).replace(/:([a-z0-9_+\-']+):/g, (m, n) => EMOJI[n] || m)
    : mrkdwn(t.text);
}

// ------------------------------------------------------------------ Block Kit

function imageUrl(el) {
  if (el.slack_file) {
    const id = el.slack_file.id
      || Object.keys(state.data.files).find((f) => (el.slack_file.url || "").includes(f));
    return id ? state.data.files[id] : "";
  }
  return el.image_url || "";
}

function elementHtml(el, ctx) {
  const aid = esc(el.action_id || "");
  if (el.type === "button") {
    const style = el.style ? ` ${el.style}` : "";
    return `<button type="button" class="bk${style}" data-action="${aid}" data-value="${esc(el.value ?? "")}"${ctx}>${textObj(el.text)}</button>`;
  }
  if (el.type === "static_select" || el.type === "overflow") {
    const ph = el.placeholder ? textObj(el.placeholder) : (el.type === "overflow" ? "⋯" : "Select…");
    const opts = (el.options || (el.option_groups || []).flatMap((g) => g.options))
      .map((o) => `<option value="${esc(o.value)}">${textObj(o.text)}</option>`).join("");
    return `<select class="bk" data-action="${aid}" aria-label="${ph}"${ctx}><option value="" selected disabled>${ph}</option>${opts}</select>`;
  }
  if (el.type === "image") {
    return `<img class="accessory-image" src="${esc(imageUrl(el))}" alt="${esc(el.alt_text)}">`;
  }
  return "";
}

function blocksHtml(blocks, ctx) {
  return blocks.map((b) => {
    const bid = esc(b.block_id || "");
    switch (b.type) {
      case "section": {
        const fields = b.fields ? `<div class="fields">${b.fields.map(textObj).map((f) => `<div>${f}</div>`).join("")}</div>` : "";
        const acc = b.accessory ? elementHtml(b.accessory, ctx) : "";
        return `<div class="block block-section" data-block="${bid}"><div>${textObj(b.text)}${fields}</div>${acc}</div>`;
      }
      case "context":
        return `<div class="block block-context" data-block="${bid}">${(b.elements || []).map((e) =>
          e.type === "image" ? `<img src="${esc(imageUrl(e))}" alt="${esc(e.alt_text)}">` : textObj(e)).join(" ")}</div>`;
      case "image": {
        const title = b.title ? `<div class="title">${textObj(b.title)}</div>` : "";
        return `<div class="block block-image" data-block="${bid}">${title}<img src="${esc(imageUrl(b))}" alt="${esc(b.alt_text)}"></div>`;
      }
      case "actions":
        return `<div class="block block-actions" data-block="${bid}">${(b.elements || []).map((e) => elementHtml(e, ctx)).join("")}</div>`;
      case "header":
        return `<h3 class="block block-header">${textObj(b.text)}</h3>`;
      case "divider":
        return `<hr class="block">`;
      case "rich_text":
        return `<div class="block">${esc(JSON.stringify(b.elements))}</div>`;
      default:
        return "";
    }
  }).join("");
}

// ------------------------------------------------------------------ messages

function filesHtml(files) {
  return files.map((f) => {
    if (f.mimetype.startsWith("image/")) return `<div class="file"><img src="${esc(f.url)}" alt="${esc(f.name)}"></div>`;
    if (f.mimetype.startsWith("video/")) {
      return `<div class="file"><video src="${esc(f.url)}" controls autoplay muted loop playsinline></video><div class="title">${esc(f.title || f.name)}</div></div>`;
    }
    return `<div class="file"><a href="${esc(f.url)}" download>${esc(f.name)}</a></div>`;
  }).join("");
}

function messageHtml(m, inThread) {
  const who = m.bot ? `dailies<span class="app">APP</span>` : esc(personName(m.user));
  const ctx = ` data-ts="${esc(m.ts)}"`;
  const body = m.deleted ? `<i>This message was deleted.</i>`
    : (m.blocks.length ? blocksHtml(m.blocks, ctx) : (m.text ? `<div>${mrkdwn(m.text)}</div>` : ""));
  const reactions = m.reactions.map((r) => {
    const mine = r.users.includes(state.user) ? " mine" : "";
    return `<button type="button" class="reaction${mine}" data-react="${esc(r.name)}" data-ts="${esc(m.ts)}" title="${esc(r.users.map(personName).join(", "))}">${emoji(r.name)} ${r.count}</button>`;
  }).join("");
  const isRoot = !m.thread_ts || m.thread_ts === m.ts;
  let threadLink = "";
  if (!inThread && isRoot) {
    const n = m.reply_count;
    threadLink = `<button type="button" class="thread-link" data-thread="${esc(m.ts)}">${n ? `${n} repl${n === 1 ? "y" : "ies"}` : "Reply in thread"}</button>`;
  }
  return `<div class="msg" data-msg="${esc(m.ts)}"><span class="who">${who}</span>${m.edited ? ' <span class="edited">(edited)</span>' : ""}`
    + `<div class="body">${body}${filesHtml(m.files)}</div>`
    + `<div class="reactions">${reactions}<button type="button" class="add-reaction" data-picker="${esc(m.ts)}" aria-label="Add reaction">☺︎+</button>${threadLink}</div></div>`;
}

function ephemeralHtml(e) {
  const ctx = ` data-ephemeral="${esc(e.ts)}"`;
  const body = e.blocks.length ? blocksHtml(e.blocks, ctx) : `<div>${mrkdwn(e.text)}</div>`;
  return `<div class="msg ephemeral" data-msg="${esc(e.ts)}"><div class="only-you">👁 Only visible to you · <button type="button" data-dismiss="${esc(e.ts)}">Dismiss</button></div><span class="who">dailies<span class="app">APP</span></span><div class="body">${body}</div></div>`;
}

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

// ------------------------------------------------------------------ modals

function inputHtml(b, error) {
  const el = b.element || {};
  const bid = esc(b.block_id);
  const aid = esc(el.action_id);
  const data = `data-block="${bid}" data-action="${aid}" data-type="${esc(el.type)}"`;
  const label = `<span class="label">${textObj(b.label)}${b.optional ? ' <span class="optional">(optional)</span>' : ""}</span>`;
  let control = "";
  if (el.type === "plain_text_input") {
    const ph = el.placeholder ? esc(el.placeholder.text) : "";
    control = el.multiline
      ? `<textarea ${data} placeholder="${ph}" aria-label="${esc(b.label.text)}">${esc(el.initial_value || "")}</textarea>`
      : `<input type="text" ${data} placeholder="${ph}" value="${esc(el.initial_value || "")}" aria-label="${esc(b.label.text)}">`;
  } else if (el.type === "number_input") {
    control = `<input type="number" ${data} value="${esc(el.initial_value || "")}" step="${el.is_decimal_allowed ? "any" : "1"}" aria-label="${esc(b.label.text)}">`;
  } else if (el.type === "checkboxes" || el.type === "radio_buttons") {
    const kind = el.type === "checkboxes" ? "checkbox" : "radio";
    const initial = new Set((el.initial_options || (el.initial_option ? [el.initial_option] : [])).map((o) => o.value));
    control = `<div ${data}>${(el.options || []).map((o, i) =>
      `<label class="choice"><input type="${kind}" name="${bid}-${aid}" value="${esc(o.value)}" data-index="${i}"${initial.has(o.value) ? " checked" : ""}> ${textObj(o.text)}${o.description ? ` <span class="hint">${textObj(o.description)}</span>` : ""}</label>`).join("")}</div>`;
  } else if (el.type === "static_select") {
    const initial = el.initial_option ? el.initial_option.value : "";
    control = `<select ${data} aria-label="${esc(b.label.text)}"><option value=""${initial ? "" : " selected"}>${el.placeholder ? textObj(el.placeholder) : "Select…"}</option>${(el.options || []).map((o) =>
      `<option value="${esc(o.value)}"${o.value === initial ? " selected" : ""}>${textObj(o.text)}</option>`).join("")}</select>`;
  } else {
    control = `<div class="hint">(${esc(el.type)} inputs are not shown in the playground)</div>`;
  }
  const hint = b.hint ? `<div class="hint">${textObj(b.hint)}</div>` : "";
  const err = error ? `<div class="error" role="alert">${esc(error)}</div>` : "";
  return `<div class="input-block${error ? " has-error" : ""}" data-input="${bid}">${label}${control}${hint}${err}</div>`;
}

function renderModal(view) {
  const back = $("modal-back");
  if (!view) { back.hidden = true; state.viewHash = null; return; }
  if (state.viewHash === view.hash + JSON.stringify(state.viewErrors)) return; // keep typed values
  const keep = state.viewHash && state.viewHash.startsWith(view.hash) ? collectValues() : null;
  state.viewHash = view.hash + JSON.stringify(state.viewErrors);
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
  await refresh();
  if (Object.keys(state.viewErrors).length) restoreValues(values);
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
