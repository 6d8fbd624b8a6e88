//! Fora's integration tests: one binary, each test on its own fresh database and port.

mod support;

mod account_hardening;
mod accounts;
mod architecture;
mod browser;
mod cli;
mod connection_limits;
mod docker_image;
mod edge_input;
mod fake_smtp;
mod forums;
mod held_edits;
mod http;
mod invitations;
mod languages;
mod library_import;
mod library_public;
mod library_search;
mod link_tokens;
mod mail_languages;
mod mail_names;
mod mail_queue;
mod moderation;
mod newsletter_delivery;
mod newsletter_editions;
mod newsletter_lease;
mod newsletter_subscribe;
mod notifications;
mod pathological_posts;
mod private_pages;
mod search_engine;
mod search_limits;
mod search_quality;
mod smtp;
mod state_checks;
