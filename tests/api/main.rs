//! API tests against the real `portal-server` process on a loopback port.
mod allocation;
mod auth;
mod bad_input;
mod catalog;
mod customers;
mod dealer_prices;
mod distribution;
mod legacy;
mod marketing;
mod migrate;
mod openapi;
mod rebates;
mod roles;
mod sessions;
mod skew;
mod store_ops;
mod trust;
