import WebSocket from 'ws';
const url = process.argv[2]; const frames = JSON.parse(process.argv[3]||'[]');
const ws = new WebSocket(url);
ws.on('unexpected-response', (req,res)=>{console.log('HTTP', res.statusCode); process.exit(0)});
ws.on('message', d => console.log('<', d.toString().slice(0,1500)));
ws.on('close', (c,r)=>console.log('close', c, r.toString()));
ws.on('open', async () => { for (const f of frames) { ws.send(typeof f==='string'?f:JSON.stringify(f)); await new Promise(r=>setTimeout(r,150)); } setTimeout(()=>ws.close(), 300); });
