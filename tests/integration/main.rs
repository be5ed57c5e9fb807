//! Integration tests: the lockdown binary against moto server, and its command line.

mod baseline;
mod cli;
mod coverage_misc;
mod delivery;
mod deploy;
mod false_pass;
mod faults;
mod frameworks;
mod harness;
mod history;
mod iam;
mod lambda;
mod load_balancing;
mod messaging;
mod monitoring;
mod network;
mod opensearch;
mod organization;
mod outputs;
mod plan;
mod policies;
mod rds;
mod regional;
mod secrets;
mod serverless;
mod storage;
