// The web chat: the session cookie says who you are; each tab is one of your conversations.
// The name box is only shown on your own messages here. Replies stream in as NDJSON.
"use strict";

const log = document.getElementById("log");
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
  if (role === "user" && nameBox.value.trim()) div.title = nameBox.value.trim();
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
  return div;
}

// A proofread correction shows its redline as <del>/<ins>; every other reply is plain text.
function showReply(bubble, event) {
  const diff = event.skill === "proofread" && event.data ? event.data.diff : null;
  const changed = Array.isArray(diff) && diff.some((segment) => segment.op !== "equal");
  if (!changed || typeof event.data.corrected !== "string") {
    bubble.textContent = event.text;
    return;
  }
  bubble.replaceChildren(event.data.corrected + "\n\nChanges: ");
  for (const segment of diff) {
    const tag = { delete: "del", insert: "ins" }[segment.op];
    if (tag === undefined) {
      bubble.append(String(segment.text));
    } else {
      const mark = document.createElement(tag);
      mark.textContent = String(segment.text);
      bubble.append(mark);
    }
  }
}

async function loadHistory() {
  log.replaceChildren();
  const response = await fetch("/api/history?conversation=" + encodeURIComponent(tabConversation()));
  if (!response.ok) {
    addTurn("notice", "Your session is not valid any more: reload the page.");
    return;
  }
  const { turns } = await response.json();
  for (const turn of turns) addTurn(turn.role, turn.text);
}

async function send(text) {
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

nameBox.value = localStorage.getItem("chatwright-name") || "";
nameBox.addEventListener("change", () => localStorage.setItem("chatwright-name", nameBox.value.trim()));
loadHistory();
