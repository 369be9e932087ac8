/** Tokens and seller facts from /api/v2/token/get or /api/v2/token/refresh, validated. */
export interface TokenGrant {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  openId: string;
  sellerName: string | null;
  sellerBaseRegion: string | null;
  userType: number | null;
  grantedScopes: string[];
  /**
   * When this service received the pair, as an ISO 8601 timestamp with microseconds (TikTok's own issue
   * time is not in the response; milliseconds are too coarse to order two consents racing each other).
   */
  receivedAt: string;
}

/** One entry of /authorization/202309/shops. */
export interface AuthorizedShop {
  id: string;
  name: string;
  region: string;
  sellerType: string | null;
  cipher: string;
  code: string | null;
}
