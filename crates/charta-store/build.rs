// Rebuild when migrations change, because they are embedded with sqlx::migrate!.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
