import WebSocket from 'ws';
const base='ws://127.0.0.1:19076';
function conn(path, headers={}) { return new Promise((res) => { const ws=new WebSocket(base+path,{headers}); ws.on('unexpected-response',(q,r)=>res({http:r.statusCode})); ws.once('message', d=>res({ws, m:JSON.parse(d)})); ws.on('error',e=>res({err:e.message})); }); }
const a = await conn('/app/engineData/identity/x1'); console.log(a.m?.params);
const b = await conn('/app/engineData/identity/x1'); console.log(b.m?.params);
const c = await conn('/app/engineData/identity/x2'); console.log(c.m?.params);
const d = await conn('/app/engineData', {'X-Qlik-Session':'x1'}); console.log('hdr x1', d.m?.params);
const e = await conn('/app/', {'X-Qlik-Session':'x1'}); console.log('hdr x1 /app/', e.m?.params);
const f = await conn('/app/'); console.log('/app/', f.m?.params);
const g = await conn('/app/engineData'); console.log('/app/engineData', g.m?.params);
const h = await conn('/app/foo/identity/x1'); console.log('/app/foo/identity/x1', h.m?.params, h.http);
const i = await conn('/app/engineData/identity/x1', {'X-Qlik-User':'UserDirectory=CORP; UserId=bob'}); console.log('user hdr (not trusted)', i.m?.params);
for (const x of [a,b,c,d,e,f,g,h,i]) x.ws?.close();
setTimeout(()=>process.exit(0),200);
