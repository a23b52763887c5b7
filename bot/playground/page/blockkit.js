// Rendering what Slack would show: mrkdwn, Block Kit (section, context, image with slack_file,
// actions with buttons and static_select menus, header, divider; modal inputs), files (images,
// MP4 clips inline) and ephemerals. Pure functions of the state the page read; playground.js
// holds that state and the wiring, and loads after this file.
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

