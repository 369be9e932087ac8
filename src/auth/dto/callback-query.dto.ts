import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/**
 * What TikTok appends to the redirect URL. Each field is a single string (a repeated parameter arrives as
 * an array and is rejected). TikTok adds parameters over time (app_key, locale, shop_region...), so unknown
 * ones are ignored rather than refused.
 */
export class CallbackQueryDto {
  @IsOptional() @IsString() @MaxLength(1024)
  code?: string;

  @IsOptional() @IsString() @MaxLength(512)
  state?: string;

  @IsOptional() @IsString() @MaxLength(64) @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'error must be a short error code' })
  error?: string;
}
