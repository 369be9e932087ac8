/** @ApiProperty options for the nullable fields of response DTOs (types that reflection cannot see). */
export const STRING_OR_NULL = { type: String, nullable: true } as const;
export const DATE_TIME_OR_NULL = { type: String, format: 'date-time', nullable: true } as const;
