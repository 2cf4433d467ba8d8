// The learner simulator: one phone per learner, side by side. Everything a learner does goes to Habla's
// simulator channel (/simulator/api/<name>/...); everything shown comes back from the tutor through the
// channel's callback, fetched by long polling. No framework, no CDN: the page works offline.
"use strict";

const STORE_KEY = "habla.simulator.learners";
const phones = document.getElementById("phones");
const template = document.getElementById("phone-template");
const maxVoiceBytes = Number(document.body.dataset.maxVoiceBytes || 16777216);

function learners() {
  try { return JSON.parse(localStorage.getItem(STORE_KEY)) || ["ana"]; } catch { return ["ana"]; }
}
function saveLearners(names) { localStorage.setItem(STORE_KEY, JSON.stringify(names)); }

// WhatsApp's light formatting (*bold*, _italic_, ~strike~) on escaped text
function formatted(text) {
  const escaped = text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  return escaped
    .replace(/\*([^*\n]+)\*/g, "<strong>$1</strong>")
    .replace(/(^|\s)_([^_\n]+)_/g, "$1<em>$2</em>")
    .replace(/~([^~\n]+)~/g, "<s>$1</s>");
}

class Phone {
  constructor(name) {
    this.name = name;
    this.seq = 0;
    this.alive = true;
    this.node = template.content.firstElementChild.cloneNode(true);
    this.node.dataset.learner = name;
    this.node.querySelector(".who").textContent = name;
    this.list = this.node.querySelector(".messages");
    this.status = this.node.querySelector(".status");
    this.input = this.node.querySelector(".text");
    this.mic = this.node.querySelector(".mic");
    this.node.querySelector(".composer").addEventListener("submit", (event) => { event.preventDefault(); this.sendText(); });
    this.mic.addEventListener("click", () => this.toggleRecording());
    this.node.querySelector(".close").addEventListener("click", () => removeLearner(name));
    phones.appendChild(this.node);
    this.poll();
  }

  api(path) { return `/simulator/api/${encodeURIComponent(this.name)}/${path}`; }

  async post(path, body, contentType) {
    this.status.textContent = "sending…";
    try {
      const response = await fetch(this.api(path), { method: "POST", headers: { "Content-Type": contentType }, body });
      const answer = await response.json().catch(() => ({}));
      this.status.textContent = response.ok ? "" : `not sent: ${answer.error || response.status}`;
      return response.ok;
    } catch (error) {
      this.status.textContent = `not sent: ${error}`;
      return false;
    }
  }

  async sendText(text = this.input.value, replyId = undefined) {
    if (!text.trim()) return;
    const body = replyId === undefined ? { text } : { text, reply_id: replyId };
    if (await this.post("text", JSON.stringify(body), "application/json") && replyId === undefined) this.input.value = "";
  }

  async toggleRecording() {
    if (this.recorder) { this.recorder.stop(); return; }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      this.status.textContent = `no microphone: ${error.message || error}`;
      return;
    }
    // WhatsApp's voice notes are Ogg/Opus; Chromium records WebM/Opus, which Habla decodes as well
    const mime = ["audio/ogg;codecs=opus", "audio/webm;codecs=opus", "audio/webm"].find((m) => MediaRecorder.isTypeSupported(m));
    const recorder = new MediaRecorder(stream, mime ? { mimeType: mime } : {});
    const parts = [];
    recorder.ondataavailable = (event) => { if (event.data.size) parts.push(event.data); };
    recorder.onstop = async () => {
      stream.getTracks().forEach((track) => track.stop());
      this.recorder = null;
      this.mic.classList.remove("recording");
      const blob = new Blob(parts, { type: recorder.mimeType || "audio/webm" });
      if (blob.size > maxVoiceBytes) { this.status.textContent = "that recording is too long"; return; }
      await this.post("voice", blob, blob.type.split(";")[0]);
    };
    recorder.start();
    this.recorder = recorder;
    this.mic.classList.add("recording");
    this.status.textContent = "recording… tap 🎙️ again to send";
  }

  async poll() {
    while (this.alive) {
      try {
        const response = await fetch(this.api(`messages?after=${this.seq}`));
        if (!response.ok) { await new Promise((r) => setTimeout(r, 2000)); continue; }
        const { messages } = await response.json();
        for (const message of messages) { this.show(message); this.seq = Math.max(this.seq, message.seq); }
      } catch {
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  show(message) {
    const item = document.createElement("li");
    item.className = `msg ${message.from === "tutor" ? "tutor" : "learner"}`;
    item.dataset.seq = message.seq;
    if (message.tapped) item.classList.add("tapped");
    if (message.text) {
      const text = document.createElement("div");
      text.className = "body";
      text.innerHTML = formatted(message.text);
      item.appendChild(text);
    }
    if (message.audio) {
      const audio = document.createElement("audio");
      audio.controls = true;
      audio.preload = "metadata";
      audio.src = message.audio;
      item.appendChild(audio);
    }
    if (message.image) {
      const image = document.createElement("img");
      image.src = message.image;
      image.alt = message.caption || "image from the tutor";
      item.appendChild(image);
      if (message.caption) item.appendChild(Object.assign(document.createElement("div"), { className: "caption", textContent: message.caption }));
    }
    for (const kind of ["buttons", "list"]) {
      if (!message[kind]) continue;
      const box = document.createElement("div");
      box.className = `choices ${kind}`;
      for (const choice of message[kind]) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = choice;
        button.addEventListener("click", () => {
          box.querySelectorAll("button").forEach((b) => { b.disabled = true; });
          this.sendText(choice, choice);
        });
        box.appendChild(button);
      }
      item.appendChild(box);
    }
    this.list.appendChild(item);
    this.list.scrollTop = this.list.scrollHeight;
  }

  remove() { this.alive = false; this.node.remove(); }
}

const open = new Map();

function render() {
  const names = learners();
  for (const [name, phone] of open) if (!names.includes(name)) { phone.remove(); open.delete(name); }
  for (const name of names) if (!open.has(name)) open.set(name, new Phone(name));
}

function removeLearner(name) { saveLearners(learners().filter((n) => n !== name)); render(); }

document.getElementById("add-learner").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("new-learner");
  const name = input.value.trim();
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(name)) return;
  const names = learners();
  if (!names.includes(name)) saveLearners([...names, name]);
  input.value = "";
  render();
});

render();
