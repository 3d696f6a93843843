import WebSocket from 'ws';
const ws = new WebSocket('ws://127.0.0.1:19076/app/');
ws.on('message', d => { console.log('<', d.toString()); ws.close(1000, 'bye'); });
ws.on('close', (c,r)=>console.log('close', c, r.toString()));
