//! Integration tests: the lockdown binary against moto server, and its command line.

mod cli;
mod delivery;
mod faults;
mod frameworks;
mod iam;
mod monitoring;
mod outputs;
mod regional;
mod support;
