//! Reading a list of people from a file an operator brings (外部导入): CSV with a phone column
//! (named `phone`, `mobile`, 手机, 手机号, 手机号码 or 电话, in any position), or a bare list of
//! numbers one a line. Each row keeps its line in the file, so the report names the rows that did
//! not match.

/// One row's phone number as written, and its line in the file (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneRow {
    pub line: u32,
    pub text: String,
}

/// Why a file cannot be read as a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// More rows than a list may have.
    TooManyRows { max: usize },
    /// A header row without a phone column.
    NoPhoneColumn,
    /// Nothing in it.
    Empty,
}

const PHONE_HEADERS: &[&str] = &["phone", "mobile", "手机", "手机号", "手机号码", "电话", "phone number"];

fn looks_like_a_number(cell: &str) -> bool {
    let digits = cell.chars().filter(char::is_ascii_digit).count();
    digits >= 5 && cell.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// The file's phone numbers, one a data row, in order; blank rows skipped. The text is read as
/// CSV (quoted fields may hold commas and line breaks), separated by what its first line uses:
/// tabs, semicolons or commas.
pub fn phone_rows(text: &str, max_rows: usize) -> Result<Vec<PhoneRow>, ReadError> {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().find(|l| !l.trim().is_empty()).ok_or(ReadError::Empty)?;
    let delimiter = if first.contains('\t') {
        b'\t'
    } else if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut column = None;
    let mut rows = Vec::new();
    // Lines counted from the records' byte offsets, as the file's editor numbers them.
    let (mut counted_to, mut line) = (0usize, 1u32);
    for record in reader.records() {
        let Ok(record) = record else { continue };
        // The reader's offset may fall on the previous row's line ending: the row starts at the
        // first byte after it (and after any blank lines) that is not a line break.
        let bytes = text.as_bytes();
        let mut start = record.position().map_or(counted_to, |p| p.byte() as usize).clamp(counted_to, text.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += bytes[counted_to..start].iter().filter(|b| **b == b'\n').count() as u32;
        counted_to = start;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(at) = column else {
            match record.iter().position(|c| PHONE_HEADERS.contains(&c.trim().to_lowercase().as_str())) {
                Some(at) => column = Some(at),
                None if record.get(0).is_some_and(|c| looks_like_a_number(c.trim())) => {
                    column = Some(0);
                    rows.push(PhoneRow { line, text: record[0].trim().to_owned() });
                }
                None => return Err(ReadError::NoPhoneColumn),
            }
            continue;
        };
        if rows.len() == max_rows {
            return Err(ReadError::TooManyRows { max: max_rows });
        }
        rows.push(PhoneRow { line, text: record.get(at).unwrap_or("").trim().to_owned() });
    }
    if column.is_none() {
        return Err(ReadError::Empty);
    }
    Ok(rows)
}

/// A number as lists often write mainland mobiles with their country code but no `+`
/// (`8613912345678`): given its `+`, so that it reads as the number it is.
pub fn with_plus(text: &str) -> String {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
    if digits.len() == 13 && digits.starts_with("861") && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{digits}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_column_is_found_by_its_name_anywhere() {
        let csv = "\u{feff}姓名,手机号,城市\r\n李雷,139 1234 5678,上海\r\n\r\n韩梅梅,\"+86 139-1234-5679\",北京\n";
        let rows = phone_rows(csv, 10).unwrap();
        assert_eq!(
            rows,
            vec![
                PhoneRow { line: 2, text: "139 1234 5678".into() },
                PhoneRow { line: 4, text: "+86 139-1234-5679".into() }
            ]
        );
        let tabs = "name\tPhone\nA\t13912345678\n";
        assert_eq!(phone_rows(tabs, 10).unwrap()[0].text, "13912345678");
        // A quoted name holding a comma and a line break keeps the columns and the lines right.
        let quoted = "\u{feff}\"name\",\"phone\"\n\"Li, Lei\nJr\",13912345678\nHan,13912345679\n";
        let rows = phone_rows(quoted, 10).unwrap();
        assert_eq!(
            rows.iter().map(|r| (r.line, r.text.as_str())).collect::<Vec<_>>(),
            [(2, "13912345678"), (4, "13912345679")]
        );
    }

    #[test]
    fn a_country_code_without_its_plus_is_read_as_one() {
        assert_eq!(with_plus("86 139 1234 5678"), "+8613912345678");
        assert_eq!(with_plus("13912345678"), "13912345678");
        assert_eq!(with_plus("8612345"), "8612345");
    }

    #[test]
    fn a_bare_list_of_numbers_needs_no_header_and_bad_files_are_refused() {
        let rows = phone_rows("13912345678\n13912345679\nnot a number\n", 10).unwrap();
        assert_eq!(rows.len(), 3, "every row is reported on, even one that is not a number");
        assert_eq!(rows[2], PhoneRow { line: 3, text: "not a number".into() });
        assert_eq!(phone_rows("name,city\nA,B\n", 10), Err(ReadError::NoPhoneColumn));
        assert_eq!(phone_rows(" \n\n", 10), Err(ReadError::Empty));
        let many = "phone\n".to_owned() + &"13912345678\n".repeat(11);
        assert_eq!(phone_rows(&many, 10), Err(ReadError::TooManyRows { max: 10 }));
        // A row without the column is a row with no number (reported as invalid).
        assert_eq!(phone_rows("name,phone\nA\n", 10).unwrap()[0].text, "");
    }
}
