import net from 'node:net';
const s = net.connect(19076, '127.0.0.1', () => {
  s.write('GET /app/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  setTimeout(() => { // masked close frame code 1000
    const mask = Buffer.from([1,2,3,4]); const payload = Buffer.from([0x03,0xe8]);
    const m = Buffer.from(payload.map((b,i)=>b^mask[i%4]));
    s.write(Buffer.concat([Buffer.from([0x88, 0x80|2]), mask, m]));
  }, 300);
});
s.on('data', d => console.log('data', JSON.stringify(d.toString('latin1'))));
s.on('end', () => console.log('end')); s.on('close', () => console.log('tcp close'));
