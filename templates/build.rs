// The catalogues are read by a macro at compile time; rebuild when any of them changes.
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
