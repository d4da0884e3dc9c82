// The fixed answer of the trivial contenders: a token response of the size Gatehouse's are, signed by nobody.
export const port = Number(process.env.PORT);
export const issuer = `http://127.0.0.1:${port}`;
const fakeJwt = ['eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImZpeGVkIn0', 'x'.repeat(320), 'y'.repeat(86)].join('.');
export const FIXED_ANSWER = Buffer.from(JSON.stringify({ access_token: fakeJwt, expires_in: 86400, token_type: 'Bearer', scope: 'read write' }));
