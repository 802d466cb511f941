// Templates and the stylesheet are compiled into the binary.
fn main() {
    println!("cargo:rerun-if-changed=../../templates");
}
