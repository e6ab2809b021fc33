import 'element-plus/dist/index.css';
import 'element-plus/theme-chalk/dark/css-vars.css';
import './styles/console.css';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { createBridge, installBridge } from './bridge/bridge';
import ConsoleFrame from './features/frame/ConsoleFrame.vue';
import { createConsoleRouter } from './router';

installBridge(createBridge());
createApp(ConsoleFrame).use(createPinia()).use(createConsoleRouter()).mount('#app');
