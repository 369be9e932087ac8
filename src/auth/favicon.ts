/**
 * The service's icon (/favicon.ico): a 32x32 PNG in an ICO container, the white "T" on TikTok Shop's pink.
 * Kept in the code rather than as an asset file, so `nest build` needs no asset step and dist/ is complete.
 */
export const FAVICON_ICO = Buffer.from(
  'AAABAAEAICAAAAEAIACaAAAAFgAAAIlQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p69AAAAGFJREFUeNrt18EJACAIhWEHap3236QaoBAqNaFf8Ba879DBJ6JMK7VbrOyMVegRxjtcRUSFLxHR4RPib4D2wGpUBAAApz94JwQAAAAAAAC4uoo8ARyleYpJimqWopy+qOcDFV8VC9t/2JYAAAAASUVORK5CYII=',
  'base64',
);
