//! The deployment templates: they pass cfn-lint, and the member role grants exactly the
//! actions lockdown's collectors call (`lockdown iam-policy`).

use crate::harness::{describe, python, run};
use std::path::{Path, PathBuf};
use std::process::Command;

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

#[test]
fn templates_pass_cfn_lint() {
    let templates: Vec<PathBuf> = std::fs::read_dir(deploy_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    assert!(templates.len() >= 2, "{templates:?}");
    // cfn-lint's console entry point, run by the test venv's python (cfnlint has no __main__).
    let cfn_lint =
        "import sys; from cfnlint.runner import main; sys.argv[0] = 'cfn-lint'; sys.exit(main())";
    let output = run(Command::new(python())
        .args(["-c", cfn_lint, "--"])
        .args(&templates));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
}

#[test]
fn the_member_role_grants_exactly_the_generated_policy() {
    let template = std::fs::read_to_string(deploy_dir().join("member-role.yaml")).unwrap();
    let begin = template
        .find("# BEGIN lockdown iam-policy")
        .expect("BEGIN marker");
    let end = template
        .find("# END lockdown iam-policy")
        .expect("END marker");
    let granted: Vec<&str> = template[begin..end]
        .lines()
        .skip(1)
        .filter_map(|line| line.trim().strip_prefix("- "))
        .collect();
    assert_eq!(
        granted,
        lockdown::collect::all_permissions(),
        "regenerate the list with `lockdown iam-policy`"
    );
}
