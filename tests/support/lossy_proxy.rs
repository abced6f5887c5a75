//! A proxy in front of the server that lets requests through but loses the answers: the server
//! applies each request, and the client never hears back (the connection is closed instead).
use std::net::SocketAddr;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

pub struct LossyProxy {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl LossyProxy {
    /// Starts a proxy to `upstream` (host:port).
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else { return };
                    let mut buf = vec![0u8; 64 * 1024];
                    // Forward the request until the server starts answering; read the whole
                    // answer (so the server has applied the request) and drop it.
                    let (mut server_read, mut server_write) = server.split();
                    let (mut client_read, _client_write) = client.split();
                    let forward = async {
                        loop {
                            let n = client_read.read(&mut buf).await.unwrap_or(0);
                            if n == 0 || server_write.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    };
                    let mut answer = Vec::new();
                    let read_answer = async {
                        let mut chunk = vec![0u8; 64 * 1024];
                        loop {
                            match tokio::time::timeout(
                                std::time::Duration::from_millis(300),
                                server_read.read(&mut chunk),
                            )
                            .await
                            {
                                Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&chunk[..n]),
                                Ok(_) => break,
                                Err(_) if !answer.is_empty() => break,
                                Err(_) => continue,
                            }
                        }
                    };
                    tokio::select! {
                        _ = forward => {}
                        _ = read_answer => {}
                    }
                    // The answer is lost: the client's connection closes without it.
                });
            }
        });
        Self { addr, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for LossyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
