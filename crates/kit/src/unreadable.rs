//! Requests hyper cannot read (a URL over 64 KB, headers over its buffer, a malformed head)
//! answered in the shop's error envelope. hyper answers those itself, before any service sees
//! a request, with an empty 400, 414 or 431 and no way to change it; this wrapper of the
//! connection's socket recognises such an answer as it is written and writes the envelope in
//! its place. Every answer the shop itself gives has a body, so an empty one with these
//! statuses can only be hyper's; hyper closes the connection after it, so nothing follows.
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A socket whose hyper-made refusals are rewritten.
pub struct Enveloped<T> {
    inner: T,
    /// A replacement being written, and how much of it is out.
    replacing: Option<(Vec<u8>, usize)>,
}

impl<T> Enveloped<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            replacing: None,
        }
    }
}

/// The envelope for hyper's empty answer `head`, if it is one.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let (status, reason, message) = match head.get(..13)? {
        b"HTTP/1.1 400 " => (400, "Bad Request", "The request could not be read as HTTP"),
        b"HTTP/1.1 414 " => (
            414,
            "URI Too Long",
            "The address is too long: send long lists in fewer parts",
        ),
        b"HTTP/1.1 431 " => (
            431,
            "Request Header Fields Too Large",
            "The request's headers are too large",
        ),
        _ => return None,
    };
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let lower = head[..end].to_ascii_lowercase();
    let empty = lower.windows(18).any(|w| w == b"content-length: 0\r");
    if !empty || end + 4 != head.len() {
        return None;
    }
    let request_id = uuid::Uuid::now_v7().to_string();
    let body = serde_json::json!({
        "success": false,
        "statusCode": status,
        "error": "VALIDATION_ERROR",
        "message": message,
        "requestId": request_id,
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nx-request-id: {request_id}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    Some(answer.into_bytes())
}

impl<T: AsyncRead + Unpin> AsyncRead for Enveloped<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> Enveloped<T> {
    /// Writes the replacement under way; `reported` is what hyper is told went out (the
    /// whole of its head) once the whole replacement has.
    fn finish_replacing(
        &mut self,
        cx: &mut Context<'_>,
        reported: usize,
    ) -> Poll<io::Result<usize>> {
        while let Some((answer, sent)) = &mut self.replacing {
            if *sent == answer.len() {
                return Poll::Ready(Ok(reported));
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &answer[*sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *sent += n;
        }
        Poll::Ready(Ok(reported))
    }

    /// Whether `head` starts a replacement (or one is under way).
    fn replacing(&mut self, head: &[u8]) -> bool {
        if self.replacing.is_none() {
            self.replacing = replacement(head).map(|answer| (answer, 0));
        }
        self.replacing.is_some()
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Enveloped<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacing(buf) {
            return this.finish_replacing(cx, buf.len());
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        // hyper's refusal is a head alone, in one slice.
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(head), None) = (filled.next(), filled.next())
            && this.replacing(head)
        {
            return this.finish_replacing(cx, head.len());
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_empty_refusals_are_replaced() {
        let hyper = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let answer = String::from_utf8(replacement(hyper).expect("replaced")).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["statusCode"], 414);
        assert_eq!(body["error"], "VALIDATION_ERROR");
        assert!(head.contains(body["requestId"].as_str().unwrap()));
        for ours in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-length: 80\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n{}",
            b"HTTP/1.1 431 Request",
        ] {
            assert!(replacement(ours).is_none(), "{ours:?}");
        }
    }
}
