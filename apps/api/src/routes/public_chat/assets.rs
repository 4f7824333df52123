//! The widget's script, the chat page and its script. The page carries the
//! widget's settings as a JSON data block (never as script text), built by
//! serde with `<`, `>` and `&` escaped, so a greeting cannot close the tag;
//! the script shows every text with `textContent`, never as HTML.

use frontdesk_receptionist::channels::widget::ChatWidget;

/// `/widget.js`: a chat button that opens `/chat/{key}` in an iframe.
pub const WIDGET_JS: &str = r##"(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var key = me.getAttribute("data-key");
  if (!key) { console.error("Frontdesk widget: the script tag needs data-key"); return; }
  var origin = new URL(me.src).origin;
  var color = me.getAttribute("data-color") || "#1f6feb";
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = me.getAttribute("data-label") || "Chat with us";
  button.setAttribute("aria-label", "Open the chat");
  button.style.cssText = "position:fixed;right:20px;bottom:20px;z-index:2147483647;border:0;border-radius:24px;" +
    "padding:12px 18px;color:#fff;font:600 15px system-ui,sans-serif;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.2)";
  button.style.background = /^#[0-9a-fA-F]{6}$/.test(color) ? color : "#1f6feb";
  var frame = null;
  button.addEventListener("click", function () {
    if (frame) { frame.hidden = !frame.hidden; return; }
    frame = document.createElement("iframe");
    frame.src = origin + "/chat/" + encodeURIComponent(key);
    frame.title = "Chat";
    frame.style.cssText = "position:fixed;right:20px;bottom:76px;width:360px;height:520px;max-width:calc(100vw - 40px);" +
      "border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);z-index:2147483647;background:#fff";
    document.body.appendChild(frame);
  });
  document.body.appendChild(button);
})();
"##;

/// `/chat.js`: the chat page's behaviour.
pub const CHAT_JS: &str = r##"(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("config").textContent);
  document.documentElement.style.setProperty("--primary", cfg.primaryColor);
  document.documentElement.style.setProperty("--on-primary", cfg.textColor);
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("input");
  var contact = document.getElementById("contact");
  var base = "/public/chat/" + encodeURIComponent(cfg.key);
  var session = null;
  function add(kind, text) {
    var item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }
  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (!response.ok) {
            var message = Array.isArray(json.message) ? json.message.join("; ") : (json.message || response.statusText);
            throw new Error(message);
          }
          return json;
        });
      });
  }
  var ready = post(base + "/sessions").then(function (opened) {
    session = opened.sessionId;
    add("bot", opened.greeting);
  });
  ready.catch(function (error) { add("error", "The chat is unavailable: " + error.message); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    add("me", text);
    var answer = add("bot pending", "\u2026");
    ready.then(function () {
      var body = { content: text };
      ["name", "phone", "email"].forEach(function (field) {
        var value = document.getElementById(field).value.trim();
        if (value) body[field] = value;
      });
      return post(base + "/sessions/" + encodeURIComponent(session) + "/messages", body);
    }).then(function (reply) {
      answer.className = "bot";
      answer.textContent = reply.reply;
      contact.hidden = !reply.needsContact;
    }).catch(function (error) {
      answer.className = "error";
      answer.textContent = error.message;
    });
  });
})();
"##;

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The chat page of `widget`.
#[must_use]
pub fn page(widget: &ChatWidget) -> String {
    let config = serde_json::json!({
        "key": widget.key,
        "greeting": widget.greeting,
        "primaryColor": widget.primary_color,
        "textColor": widget.text_color,
    })
    .to_string()
    .replace('<', "\\u003c")
    .replace('>', "\\u003e")
    .replace('&', "\\u0026");
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat</title>
<style>
:root {{ --primary: #1f6feb; --on-primary: #ffffff; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font: 15px/1.4 system-ui, sans-serif; display: flex; flex-direction: column; height: 100vh; }}
header {{ background: var(--primary); color: var(--on-primary); padding: 12px 16px; font-weight: 600; }}
#log {{ list-style: none; margin: 0; padding: 12px; flex: 1; overflow-y: auto; }}
#log li {{ margin: 6px 0; padding: 8px 12px; border-radius: 12px; max-width: 85%; white-space: pre-wrap; }}
#log li.bot {{ background: #f0f2f5; }}
#log li.me {{ background: var(--primary); color: var(--on-primary); margin-left: auto; }}
#log li.error {{ background: #fde8e8; color: #8a1c1c; }}
#contact {{ display: flex; gap: 6px; padding: 0 12px 8px; }}
#contact[hidden] {{ display: none; }}
#contact input {{ flex: 1; min-width: 0; }}
form {{ display: flex; gap: 8px; padding: 12px; border-top: 1px solid #e3e6ea; }}
input {{ padding: 8px; border: 1px solid #ccd2d8; border-radius: 8px; font: inherit; }}
#input {{ flex: 1; }}
button {{ background: var(--primary); color: var(--on-primary); border: 0; border-radius: 8px; padding: 8px 14px; font: inherit; cursor: pointer; }}
</style>
</head>
<body data-key="{key}">
<header>Chat with us</header>
<ol id="log" aria-live="polite"></ol>
<div id="contact" hidden>
<input id="name" autocomplete="name" placeholder="Name" maxlength="200">
<input id="phone" autocomplete="tel" placeholder="Phone" maxlength="40">
<input id="email" autocomplete="email" placeholder="Email" maxlength="254">
</div>
<form id="form">
<input id="input" autocomplete="off" placeholder="Type a message" maxlength="2000" aria-label="Message">
<button id="send" type="submit">Send</button>
</form>
<script id="config" type="application/json">{config}</script>
<script src="/chat.js"></script>
</body>
</html>
"##,
        key = escape_html(&widget.key),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_greeting_cannot_leave_the_data_block() {
        let now = chrono::Utc::now();
        let widget = ChatWidget {
            tenant_id: frontdesk_kernel::TenantId::new(),
            key: "wk_abc".into(),
            allowed_origins: Vec::new(),
            greeting: "</script><script>alert(1)</script> & \"hi\"".into(),
            primary_color: "#112233".into(),
            text_color: "#ffffff".into(),
            created_at: now,
            updated_at: now,
        };
        let html = page(&widget);
        assert_eq!(html.matches("</script>").count(), 2, "only the page's own two scripts close: {html}");
        assert!(html.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"), "{html}");
    }
}
