// The web chat: the session cookie says who you are; each tab is one of your conversations.
// The name box is only shown on your own messages here. Replies stream in as NDJSON: tokens fill
// a provisional bubble ("thinking…" until the first), which the checked reply then replaces.
"use strict";

const log = document.getElementById("log");
const suggestions = document.getElementById("suggestions");
const helpButton = document.getElementById("help");
const form = document.getElementById("composer");
const textBox = document.getElementById("text");
const nameBox = document.getElementById("name");
const sendButton = document.getElementById("send");

function tabConversation() {
  let id = sessionStorage.getItem("chatwright-conversation");
  if (!id) {
    id = crypto.randomUUID();
    sessionStorage.setItem("chatwright-conversation", id);
  }
  return id;
}

function addTurn(role, text) {
  const div = document.createElement("div");
  div.className = "turn " + role;
  div.textContent = text;
  if (role.includes("pending")) div.setAttribute("aria-busy", "true");
  if (role === "user" && nameBox.value.trim()) div.title = nameBox.value.trim();
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
  return div;
}

// An answer as the server rendered it (Markdown, raw HTML escaped there); plain text otherwise.
function showAnswer(bubble, text, html) {
  if (typeof html === "string") bubble.innerHTML = html.trim();
  else bubble.textContent = text;
}

// A proofread correction shows its redline as <del>/<ins>; every other reply is Markdown.
function showReply(bubble, event) {
  const diff = event.skill === "proofread" && event.data ? event.data.diff : null;
  const changed = Array.isArray(diff) && diff.some((segment) => segment.op !== "equal");
  if (event.notice || !changed || typeof event.data.corrected !== "string") {
    if (event.notice) bubble.textContent = event.text;
    else showAnswer(bubble, event.text, event.html);
    return;
  }
  const redline = document.createElement("div");
  redline.className = "redline";
  redline.append(event.data.corrected + "\n\nChanges: ");
  for (const segment of diff) {
    const tag = { delete: "del", insert: "ins" }[segment.op];
    if (tag === undefined) {
      redline.append(String(segment.text));
    } else {
      const mark = document.createElement(tag);
      mark.textContent = String(segment.text);
      redline.append(mark);
    }
  }
  bubble.replaceChildren(redline);
}

// 👍/👎 under an answer: the same vote as a reaction in Slack or Discord; pressing it again takes it back.
function addVotes(bubble, ref) {
  const votes = document.createElement("div");
  votes.className = "votes";
  for (const [label, value, name] of [["👍", 1, "Good answer"], ["👎", -1, "Bad answer"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.title = name;
    button.setAttribute("aria-label", name);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", async () => {
      const pressed = button.getAttribute("aria-pressed") === "true";
      const response = await fetch("/api/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ref, vote: pressed ? 0 : value }),
      });
      if (!response.ok) return;
      for (const other of votes.children) other.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-pressed", String(!pressed));
    });
    votes.append(button);
  }
  bubble.after(votes);
}

// An empty conversation offers one prompt per skill (the registry's, as in Slack); a click sends it.
async function offerPrompts() {
  const response = await fetch("/api/prompts");
  if (!response.ok) return;
  const { prompts, help } = await response.json();
  helpButton.dataset.message = help;
  const chips = prompts.map((prompt) => {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    chip.dataset.skill = prompt.skill;
    const title = document.createElement("strong");
    title.textContent = prompt.title;
    const example = document.createElement("span");
    example.textContent = prompt.message;
    chip.append(title, example);
    chip.addEventListener("click", () => send(prompt.message));
    return chip;
  });
  suggestions.replaceChildren(...chips);
}

async function loadHistory() {
  log.replaceChildren();
  const response = await fetch("/api/history?conversation=" + encodeURIComponent(tabConversation()));
  if (!response.ok) {
    addTurn("notice", "Your session is not valid any more: reload the page.");
    return;
  }
  const { turns } = await response.json();
  for (const turn of turns) {
    const bubble = addTurn(turn.role, turn.role === "assistant" ? "" : turn.text);
    if (turn.role === "assistant") showAnswer(bubble, turn.text, turn.html);
  }
  suggestions.hidden = turns.length > 0;
}

async function send(text) {
  if (sendButton.disabled) return;
  suggestions.hidden = true;
  addTurn("user", text);
  const bubble = addTurn("assistant pending", "");
  sendButton.disabled = true;
  try {
    const response = await fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ conversation: tabConversation(), text, event_id: crypto.randomUUID() }),
    });
    if (!response.ok) {
      const { error } = await response.json();
      bubble.className = "turn notice";
      bubble.textContent = error;
      return;
    }
    await readEvents(response.body, bubble);
  } catch (error) {
    bubble.className = "turn notice";
    bubble.textContent = "The connection to the bot was lost: " + error;
  } finally {
    sendButton.disabled = false;
  }
}

async function readEvents(body, bubble) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let current = bubble;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const event = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      if (event.type === "token") {
        if (current === null) current = addTurn("assistant pending", "");
        current.textContent += event.text;
      } else if (event.type === "reply") {
        if (current === null) current = addTurn("assistant", "");
        showReply(current, event);
        current.className = "turn " + (event.notice ? "notice" : "assistant");
        current.removeAttribute("aria-busy");
        if (event.ref && !event.notice) addVotes(current, event.ref);
        current = null;
      }
    }
    log.scrollTop = log.scrollHeight;
  }
  if (current !== null && current.textContent === "") current.remove();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = textBox.value.trim();
  if (!text || sendButton.disabled) return;
  textBox.value = "";
  send(text);
});

textBox.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    form.requestSubmit();
  }
});

helpButton.addEventListener("click", () => send(helpButton.dataset.message || "/help"));

nameBox.value = localStorage.getItem("chatwright-name") || "";
nameBox.addEventListener("change", () => localStorage.setItem("chatwright-name", nameBox.value.trim()));
offerPrompts();
loadHistory();
