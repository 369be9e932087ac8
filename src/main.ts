import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module, Controller, Get } from '@nestjs/common';
import { Repository } from 'typeorm';
@Controller()
class C { @Get() h() { return 'ok'; } }
@Module({ controllers: [C] })
class M {}
async function main() { const app = await NestFactory.create(M); await app.listen(0, '127.0.0.1'); console.log(typeof Repository, await app.getUrl()); await app.close(); }
void main();
