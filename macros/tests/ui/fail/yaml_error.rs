// A catalog with a YAML syntax error: the compile error names the file and line.
eventcat_macros::include_catalog!("../../../../macros/tests/ui/broken_catalog");

fn main() {}
