//! `/api/v1/strategies/*` and `/api/v1/prompt-templates/*`: the
//! receptionist's per-tenant configuration; `/api/v1/chat/*` and
//! `/api/v1/conversations/*`: talking to it and reading what it did;
//! `/api/v1/evaluations`: testing it on scenarios in a sandbox;
//! `/api/v1/phone-numbers`, `/inbound-addresses`, `/blocked-numbers`: its channels' routing. Exactly one of each is the
//! tenant's default; another tenant's ids answer 404.

mod chat;
mod evaluations;
mod routing;
mod strategies;
mod templates;
mod widget;

pub use widget::PublicBase;

pub use templates::TemplateBody;

/// Registers the routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(strategies::list)
        .service(strategies::create)
        .service(strategies::get)
        .service(strategies::update)
        .service(strategies::delete)
        .service(templates::list)
        .service(templates::create)
        .service(templates::get)
        .service(templates::update)
        .service(templates::delete)
        .service(templates::preview)
        .service(chat::chat)
        .service(chat::list)
        .service(chat::get)
        .service(chat::messages)
        .service(chat::turns)
        .service(chat::replay)
        .service(evaluations::evaluate)
        .service(routing::list_numbers)
        .service(routing::create_number)
        .service(routing::delete_number)
        .service(routing::list_addresses)
        .service(routing::create_address)
        .service(routing::delete_address)
        .service(routing::list_blocked)
        .service(routing::create_blocked)
        .service(routing::delete_blocked)
        .service(widget::get_widget)
        .service(widget::put_widget);
}
