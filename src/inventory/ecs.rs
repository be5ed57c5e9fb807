//! Amazon ECS attributes: clusters, services and task definitions.

use serde::{Deserialize, Serialize};

/// An ECS cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub name: String,
    /// The `containerInsights` setting: `enabled`, `enhanced` or `disabled`.
    pub container_insights: String,
}

/// An ECS service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub name: String,
    pub cluster: String,
    /// `FARGATE`, `EC2`, `EXTERNAL`; null when a capacity provider strategy decides.
    pub launch_type: Option<String>,
    /// The service runs on Fargate (its launch type or a FARGATE/FARGATE_SPOT capacity
    /// provider).
    pub fargate: bool,
    /// The Fargate platform version asked for (`LATEST`, `1.4.0`, ...); null when not on
    /// Fargate.
    pub platform_version: Option<String>,
    /// Tasks get a public IP address (awsvpc configuration `assignPublicIp` ENABLED).
    pub assigns_public_ip: bool,
    /// Some task set of the service (external or CodeDeploy deployments) assigns public IPs.
    pub task_sets_assign_public_ip: bool,
}

/// The latest active revision of an ECS task definition family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TaskDefinition {
    pub family: String,
    pub revision: i64,
    /// `awsvpc`, `bridge`, `host` or `none`; null when not set (`bridge` on EC2).
    pub network_mode: Option<String>,
    /// `host` or `task`; null when not set (each container its own namespace).
    pub pid_mode: Option<String>,
    pub containers: Vec<Container>,
}

/// A container definition of a task definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Container {
    pub name: String,
    /// Runs with elevated privileges on the host (`privileged` true).
    pub privileged: bool,
    /// The user the container runs as; null when not set (the image's, often root).
    pub user: Option<String>,
    /// The root file system is mounted read-only.
    pub readonly_root_filesystem: bool,
    /// A log configuration (log driver) is set.
    pub logging: bool,
    /// Names of plain-text environment variables (their values are never read).
    pub environment_names: Vec<String>,
}
