//! lockdown: an AWS configuration scanner that maps every result to compliance controls.
//!
//! The pipeline runs one way: [`collect`] (AWS SDK calls) → [`inventory`] (a normalized,
//! serializable snapshot) → [`evaluate`] (CEL checks from `checks/`, in parallel) →
//! [`map`] (check → unified controls → framework requirements) → [`emit`] (formats and sinks).
//! [`pipeline`] runs the stages for a scan request; [`cli`] and the Lambda handler build
//! requests and present outcomes.

pub mod builtin;
pub mod cli;
pub mod collect;
pub mod emit;
pub mod evaluate;
pub mod history;
pub mod http;
pub mod inventory;
pub mod lambda;
pub mod map;
pub mod pipeline;
