fn main() -> std::process::ExitCode {
    lockdown::cli::main()
}
