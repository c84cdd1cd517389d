// A real SMTP server on loopback for the tests (the same dialogue as tests/common/smtp.rs):
// it accepts every mail and keeps it, so a test can read the notification the server sent.
import net from 'node:net';

export async function startSmtp() {
  const mails = [];
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    socket.write('220 test-smtp ESMTP\r\n');
    let buffer = '';
    let data = null; // the message while DATA is being read
    let rcpt = [];
    socket.on('data', (chunk) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i + 1);
        buffer = buffer.slice(i + 1);
        if (data !== null) {
          if (line === '.\r\n' || line === '.\n') {
            mails.push({ rcpt, data });
            rcpt = [];
            data = null;
            socket.write('250 queued\r\n');
          } else {
            data += line.startsWith('..') ? line.slice(1) : line;
          }
          continue;
        }
        const cmd = line.trimEnd();
        const upper = cmd.toUpperCase();
        if (upper.startsWith('EHLO')) socket.write('250-test-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (upper.startsWith('MAIL FROM')) { rcpt = []; socket.write('250 ok\r\n'); }
        else if (upper.startsWith('RCPT TO:')) { rcpt.push(cmd.slice(8).trim().replace(/^</, '').split('>')[0]); socket.write('250 ok\r\n'); }
        else if (upper === 'DATA') { data = ''; socket.write('354 go ahead\r\n'); }
        else if (upper.startsWith('QUIT')) { socket.end('221 bye\r\n'); }
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, mails, stop: () => new Promise((r) => server.close(r)) };
}
