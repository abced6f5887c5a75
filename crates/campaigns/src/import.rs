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

fn cells(line: &str) -> Vec<String> {
    let separator = if line.contains('\t') {
        '\t'
    } else if line.contains(';') && !line.contains(',') {
        ';'
    } else {
        ','
    };
    line.split(separator).map(|c| c.trim().trim_matches('"').trim().trim_start_matches('\u{feff}').to_owned()).collect()
}

fn looks_like_a_number(cell: &str) -> bool {
    let digits = cell.chars().filter(char::is_ascii_digit).count();
    digits >= 5 && cell.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// The file's phone numbers, one a data row, in order; blank lines skipped.
pub fn phone_rows(text: &str, max_rows: usize) -> Result<Vec<PhoneRow>, ReadError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().trim_start_matches('\u{feff}').is_empty());
    let Some((first_at, first)) = lines.next() else { return Err(ReadError::Empty) };
    let header = cells(first);
    let (column, mut rows) = match header.iter().position(|c| PHONE_HEADERS.contains(&c.to_lowercase().as_str())) {
        Some(column) => (column, Vec::new()),
        None if header.first().is_some_and(|c| looks_like_a_number(c)) => {
            (0, vec![PhoneRow { line: first_at as u32 + 1, text: header[0].clone() }])
        }
        None => return Err(ReadError::NoPhoneColumn),
    };
    for (at, line) in lines {
        if rows.len() == max_rows {
            return Err(ReadError::TooManyRows { max: max_rows });
        }
        let text = cells(line).get(column).cloned().unwrap_or_default();
        rows.push(PhoneRow { line: at as u32 + 1, text });
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
