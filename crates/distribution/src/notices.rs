//! What a dealer is told when one of their orders changes status: a service message for the
//! app's inbox (and the OS notification raised from it), in both languages.
use portal_api::OrderStatus;

/// A message's title and body, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
}

/// The short number people read an order by: the last eight characters of its id, upper case.
pub fn order_no(id: uuid::Uuid) -> String {
    let simple = id.simple().to_string();
    simple[simple.len() - 8..].to_ascii_uppercase()
}

/// The message for an order that reached `status` (with the reason given, for a rejection or a
/// cancellation).
pub fn notice(order_no: &str, status: OrderStatus, reason: Option<&str>) -> Notice {
    use OrderStatus::*;
    let (zh, en) = match status {
        PriceReview => ("待价格审核", "waits for a price review"),
        CreditReview => {
            ("超出信用额度，待业务经理审核", "is over your credit line and waits for your business manager")
        }
        Confirmed => ("已确认", "is confirmed"),
        Allocated => ("已分配货源", "has its goods allocated"),
        PartlyShipped => ("已部分发货，其余待发", "has partly shipped; the rest is back-ordered"),
        Shipped => ("已发货", "has shipped"),
        Received => ("门店已收货", "was received at the store"),
        Invoiced => ("已开票", "is invoiced"),
        Rejected => ("被驳回", "was rejected"),
        Cancelled => ("已取消", "was cancelled"),
    };
    let (why_zh, why_en) = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => (format!("原因：{r}"), format!("Reason: {r}")),
        None => (String::new(), String::new()),
    };
    Notice {
        title_zh: format!("订单 {order_no} {zh}"),
        title_en: format!("Order {order_no} {en}"),
        body_zh: if why_zh.is_empty() { format!("订单 {order_no} {zh}。") } else { why_zh },
        body_en: if why_en.is_empty() { format!("Order {order_no} {en}.") } else { why_en },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_says_why_in_both_languages() {
        let n = notice("AB12CD34", OrderStatus::Rejected, Some(" 价格低于底价 "));
        assert_eq!(n.title_zh, "订单 AB12CD34 被驳回");
        assert_eq!(n.title_en, "Order AB12CD34 was rejected");
        assert_eq!(n.body_zh, "原因：价格低于底价");
        let shipped = notice("AB12CD34", OrderStatus::Shipped, None);
        assert_eq!(shipped.body_en, "Order AB12CD34 has shipped.");
        assert_eq!(order_no(uuid::Uuid::from_u128(0xabc_1234_5678)), "12345678");
    }
}
