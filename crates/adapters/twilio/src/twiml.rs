//! TwiML: a [`Script`] written as Twilio's XML with quick-xml, so every
//! text and attribute is escaped by the writer, never by string pasting.
//! Characters XML 1.0 cannot carry at all (NUL and the other C0 controls
//! except tab, newline and carriage return) are dropped first: the model's
//! reply and the caller's own words pass through here.

use frontdesk_receptionist::channels::voice::{Markup, Script, Verb};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::io;

/// Writes TwiML.
#[derive(Clone, Copy, Debug, Default)]
pub struct TwiMl;

/// `text` without the characters XML 1.0 forbids.
fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(*c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
        .collect()
}

fn say(w: &mut Writer<Vec<u8>>, text: &str) -> io::Result<()> {
    w.create_element("Say").write_text_content(BytesText::new(&xml_safe(text)))?;
    Ok(())
}

fn verb(w: &mut Writer<Vec<u8>>, verb: &Verb) -> io::Result<()> {
    match verb {
        Verb::Say(text) => say(w, text)?,
        Verb::Gather { action, prompt, timeout_secs } => {
            let element = w
                .create_element("Gather")
                .with_attribute(("input", "speech"))
                .with_attribute(("action", xml_safe(action).as_str()))
                .with_attribute(("method", "POST"))
                .with_attribute(("speechTimeout", "auto"))
                .with_attribute(("timeout", timeout_secs.to_string().as_str()));
            match prompt {
                Some(prompt) => element.write_inner_content(|w| say(w, prompt))?,
                None => element.write_empty()?,
            };
        }
        Verb::Redirect(url) => {
            w.create_element("Redirect")
                .with_attribute(("method", "POST"))
                .write_text_content(BytesText::new(&xml_safe(url)))?;
        }
        Verb::Dial { number, timeout_secs, action } => {
            w.create_element("Dial")
                .with_attribute(("timeout", timeout_secs.to_string().as_str()))
                .with_attribute(("action", xml_safe(action).as_str()))
                .with_attribute(("method", "POST"))
                .write_inner_content(|w| {
                    w.create_element("Number").write_text_content(BytesText::new(&xml_safe(number)))?;
                    Ok(())
                })?;
        }
        Verb::Record { action, max_length_secs, transcribe_callback } => {
            w.create_element("Record")
                .with_attribute(("action", xml_safe(action).as_str()))
                .with_attribute(("method", "POST"))
                .with_attribute(("maxLength", max_length_secs.to_string().as_str()))
                .with_attribute(("playBeep", "true"))
                .with_attribute(("transcribe", "true"))
                .with_attribute(("transcribeCallback", xml_safe(transcribe_callback).as_str()))
                .write_empty()?;
        }
        Verb::Relay { url, welcome, action, parameters } => {
            w.create_element("Connect")
                .with_attribute(("action", xml_safe(action).as_str()))
                .with_attribute(("method", "POST"))
                .write_inner_content(|w| {
                    let relay = w
                        .create_element("ConversationRelay")
                        .with_attribute(("url", xml_safe(url).as_str()))
                        .with_attribute(("welcomeGreeting", xml_safe(welcome).as_str()));
                    if parameters.is_empty() {
                        relay.write_empty()?;
                    } else {
                        relay.write_inner_content(|w| {
                            for (name, value) in parameters {
                                w.create_element("Parameter")
                                    .with_attribute(("name", xml_safe(name).as_str()))
                                    .with_attribute(("value", xml_safe(value).as_str()))
                                    .write_empty()?;
                            }
                            Ok(())
                        })?;
                    }
                    Ok(())
                })?;
        }
        Verb::Message(text) => {
            w.create_element("Message").write_text_content(BytesText::new(&xml_safe(text)))?;
        }
        Verb::Hangup => {
            w.create_element("Hangup").write_empty()?;
        }
    }
    Ok(())
}

fn write(script: &Script) -> io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::with_capacity(256));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    if script.0.is_empty() {
        w.create_element("Response").write_empty()?;
    } else {
        w.create_element("Response").write_inner_content(|w| script.0.iter().try_for_each(|v| verb(w, v)))?;
    }
    Ok(w.into_inner())
}

impl Markup for TwiMl {
    fn render(&self, script: &Script) -> String {
        match write(script) {
            Ok(bytes) => String::from_utf8(bytes).unwrap_or_default(),
            Err(error) => {
                // Writing to a Vec cannot fail; never answer a caller with nothing.
                tracing::error!(%error, "TwiML could not be written");
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Hangup/></Response>".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_empty_script_is_an_empty_response() {
        assert_eq!(TwiMl.render(&Script::empty()), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
    }

    #[test]
    fn gather_says_its_prompt_and_posts_to_its_action() {
        let script = Script(vec![
            Verb::Gather {
                action: "https://x.example/g?turn=1&silence=0".into(),
                prompt: Some("Hi".into()),
                timeout_secs: 5,
            },
            Verb::Hangup,
        ]);
        assert_eq!(
            TwiMl.render(&script),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Gather input=\"speech\" \
             action=\"https://x.example/g?turn=1&amp;silence=0\" method=\"POST\" speechTimeout=\"auto\" timeout=\"5\">\
             <Say>Hi</Say></Gather><Hangup/></Response>"
        );
    }

    #[test]
    fn a_relay_carries_its_parameters_escaped() {
        let script = Script(vec![Verb::Relay {
            url: "wss://x.example/relay".into(),
            welcome: "Hi".into(),
            action: "https://x.example/end".into(),
            parameters: vec![("pass".into(), "1.a\"/><Dial>+1</Dial>".into())],
        }]);
        assert_eq!(
            TwiMl.render(&script),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect action=\"https://x.example/end\" method=\"POST\">\
             <ConversationRelay url=\"wss://x.example/relay\" welcomeGreeting=\"Hi\">\
             <Parameter name=\"pass\" value=\"1.a&quot;/&gt;&lt;Dial&gt;+1&lt;/Dial&gt;\"/></ConversationRelay></Connect></Response>"
        );
    }

    #[test]
    fn hostile_text_cannot_add_verbs() {
        let hostile = "</Say><Dial>+19005550000</Dial><Say a=\"'\">\u{0}\u{7}&amp;]]><!--";
        let xml = TwiMl.render(&Script(vec![Verb::Say(hostile.into()), Verb::Message(hostile.into())]));
        assert!(!xml.contains("<Dial>"), "{xml}");
        assert!(!xml.contains('\u{0}') && !xml.contains('\u{7}'));
        assert!(xml.contains("&lt;/Say&gt;&lt;Dial&gt;+19005550000&lt;/Dial&gt;"), "{xml}");
        assert!(xml.contains("&amp;amp;]]&gt;&lt;!--"), "{xml}");
        // It parses back to exactly one Say and one Message.
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut elements = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Start(e) | Event::Empty(e) => {
                    elements.push(String::from_utf8(e.name().as_ref().to_vec()).unwrap())
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(elements, ["Response", "Say", "Message"]);
    }
}
