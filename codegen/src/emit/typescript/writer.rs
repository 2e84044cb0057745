/// Lines of text at the current indentation (two spaces a level).
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) out: String,
    depth: usize,
}

impl Writer {
    pub(crate) fn line(&mut self, text: impl AsRef<str>) {
        let text = text.as_ref();
        if !text.is_empty() {
            self.out.push_str(&"  ".repeat(self.depth));
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    pub(crate) fn blank(&mut self) {
        self.out.push('\n');
    }

    pub(crate) fn open(&mut self, text: impl AsRef<str>) {
        self.line(text);
        self.depth += 1;
    }

    pub(crate) fn close(&mut self, text: impl AsRef<str>) {
        self.depth = self.depth.saturating_sub(1);
        self.line(text);
    }

    /// A JSDoc block of lines already escaped by [`jsdoc_lines`]; one line stays on one line.
    pub(crate) fn doc(&mut self, lines: &[String]) {
        match lines {
            [] => {}
            [line] if !line.is_empty() => self.line(format!("/** {line} */")),
            _ => {
                self.line("/**");
                for line in lines {
                    if line.is_empty() {
                        self.line(" *");
                    } else {
                        self.line(format!(" * {line}"));
                    }
                }
                self.line(" */");
            }
        }
    }
}
