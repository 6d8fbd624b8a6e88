//! Shared protections every feature leans on: bounded password hashing and the in-memory
//! rate limits. They hold no feature's rules (password strength lives in `accounts`).

pub mod password_hashing;
pub mod rate_limit;
