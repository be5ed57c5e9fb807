/// mimalloc instead of the system allocator: evaluating and writing millions of findings spent
/// a fifth of its time in glibc's malloc and free (`perf`, 1M-resource snapshot).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    lockdown::cli::main()
}
