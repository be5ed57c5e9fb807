//! The check catalog under `checks/` is compiled into the binary (`include_dir!`), which does
//! not tell cargo about files added later: rebuild whenever anything under `checks/` changes,
//! so a newly added check file shows up in `lockdown checks list` without touching `src/`.

fn main() {
    println!("cargo:rerun-if-changed=checks");
}
